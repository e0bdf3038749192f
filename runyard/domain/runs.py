"""Runs and their internal states, independent of any dialect."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from typing import Any


class RunState(str, enum.Enum):
    """Internal run states; each dialect shows them under its own status names (see the spec)."""

    DELAYED = "delayed"
    QUEUED = "queued"
    RUNNING = "running"
    RETRYING = "retrying"
    CANCELLING = "cancelling"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"
    SYSTEM_FAILURE = "system_failure"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def finished(self) -> bool:
        return self in FINISHED_STATES


WAITING_STATES = frozenset({RunState.DELAYED, RunState.QUEUED, RunState.RETRYING})
HELD_STATES = frozenset({RunState.RUNNING, RunState.CANCELLING})  # a worker holds the run (its lease)
FINISHED_STATES = frozenset(
    {
        RunState.SUCCEEDED,
        RunState.FAILED,
        RunState.TIMED_OUT,
        RunState.CRASHED,
        RunState.SYSTEM_FAILURE,
        RunState.CANCELLED,
        RunState.EXPIRED,
    }
)


@dataclass(frozen=True, slots=True)
class Run:
    """One run as the store holds it. Times are epoch microseconds (UTC)."""

    id: str
    job_name: str
    state: RunState
    created_at: int
    updated_at: int
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    input: Any = None
    idempotency_key: str | None = None
    job_version: int | None = None
    delayed_until: int | None = None
    ttl_seconds: int | None = None
    started_at: int | None = None
    completed_at: int | None = None
    attempt: int = 0
    max_attempts: int = 1
    progress_percentage: float = 0.0
    progress_step: str | None = None
    result: Any = None
    error: str | None = None
    exit_code: int | None = None
    expires_at: int | None = None
    retry_at: int | None = None
    duration_ms: int | None = None  # executing time, summed over the attempts that ended (every dialect shows this)
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    lease_owner: str | None = None
    env_id: str | None = None
    is_test: bool = False
    name: str | None = None
    triggered_by: str | None = None
    command_override: tuple[str, ...] | None = None
    timeout_seconds: int | None = None  # this run's own, else the job's
    schedule_id: str | None = None
    scheduled_for: int | None = None
    metadata: dict[str, Any] | None = None  # runyard.domain.metadata
    priority: int = 0  # higher is claimed first among ready runs
    queue_name: str | None = None
    concurrency_key: str | None = None
    machine: str | None = None  # recorded, not acted on
    region: str | None = None  # recorded, not acted on
    batch_id: str | None = None
    idempotency_expires_at: int | None = None


@dataclass(frozen=True, slots=True)
class RunHead:
    """What a run's status shows (PraisonAI's status answer), and no more: read on its own, a status
    request reads 10 of a run's 44 columns and decodes none of its JSON. Its fields are Run's."""

    id: str
    state: RunState
    created_at: int
    session_id: str | None
    env_id: str | None
    progress_percentage: float
    progress_step: str | None
    started_at: int | None
    completed_at: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class RunSummary:
    """The columns a list page needs, and no more."""

    id: str
    state: RunState
    created_at: int
    session_id: str | None
    progress_percentage: float = 0.0
    progress_step: str | None = None
    started_at: int | None = None
    completed_at: int | None = None
    job_name: str = ""
    env_id: str | None = None
    tags: tuple[str, ...] = ()
    duration_ms: int | None = None  # as Run.duration_ms
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class ListedRun:
    """A run as a cursor-paged list shows it (Trigger.dev's list items), and no more: no input, result,
    output tails, lease or command. Its fields are Run's, with the same names and meanings."""

    id: str
    job_name: str
    job_version: int | None
    state: RunState
    is_test: bool
    created_at: int
    updated_at: int
    tags: tuple[str, ...]
    duration_ms: int | None
    idempotency_key: str | None
    started_at: int | None
    completed_at: int | None
    delayed_until: int | None
    ttl_seconds: int | None
    metadata: dict[str, Any] | None
    batch_id: str | None
    machine: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class NewRun:
    """What a submit asks for."""

    job_name: str | None  # None: the server's prompt job (RunService.prompt_job)
    input: Any = None
    session_id: str | None = None
    tags: tuple[str, ...] = ()
    idempotency_key: str | None = None
    delay_seconds: int = 0
    ttl_seconds: int | None = None
    max_attempts: int | None = None  # None: the job's own setting
    job_version: int | None = None
    env_id: str | None = None  # runs submitted through an environment's key belong to it
    is_test: bool = False
    triggered_by: str | None = None
    command_override: tuple[str, ...] | None = None
    timeout_seconds: int | None = None  # this run's own, else the job's
    webhook_url: str | None = None
    schedule_id: str | None = None  # the schedule firing it, and for which due time (epoch microseconds)
    scheduled_for: int | None = None  # POSTed to when the run finishes (runyard.executor.webhooks)
    metadata: dict[str, Any] | None = None
    priority: int = 0
    queue_name: str | None = None
    queue_limit: int | None = None  # the queue's concurrency limit as the trigger gave it (SDK 3.x), if it did
    concurrency_key: str | None = None
    machine: str | None = None
    region: str | None = None
    batch_id: str | None = None
    idempotency_ttl_seconds: int | None = None  # the key stops returning this run after it (None: never)


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Filters a list may apply; None means 'any'. Lists are 'any of'."""

    states: frozenset[RunState] | None = None
    session_id: str | None = None
    job_name: str | None = None
    env_id: str | None = None
    job_names: tuple[str, ...] | None = None
    job_versions: tuple[int, ...] | None = None
    tags: tuple[str, ...] | None = None
    created_from: int | None = None  # inclusive, epoch microseconds
    created_to: int | None = None  # inclusive
    is_test: bool | None = None
    search_prefix: str | None = None  # runs whose name or id starts with it
    triggered_by: tuple[str, ...] | None = None
    schedule_id: str | None = None  # runs a schedule fired
    batch_id: str | None = None  # runs of a batch
    bulk_id: str | None = None  # runs a bulk action cancelled or made
    nothing: bool = False  # a filter no run can match (e.g. a bulk action runyard has none of)


@dataclass(frozen=True, slots=True)
class Cursor:
    """A position in the (created_at, id) order."""

    created_at: int
    id: str


@dataclass(frozen=True, slots=True)
class Window:
    """A cursor page: runs newest first, and whether more lie beyond each end."""

    runs: list[ListedRun]
    has_older: bool
    has_newer: bool


@dataclass(frozen=True, slots=True)
class Page:
    items: list[RunSummary] = field(default_factory=list)
    total: int = 0
    next: Cursor | None = None  # the last item's position, when a run of the list lies beyond it


@dataclass(frozen=True)
class StateCounts:
    """Runs by internal state in some scope, and how many of them hold an idempotency key."""

    by_state: dict[str, int]  # internal state -> runs
    keyed: int  # runs holding an idempotency key

    @property
    def total(self) -> int:
        return sum(self.by_state.values())


def session_scoped_key(session_id: str, key: str) -> str:
    """An idempotency key unique within a session rather than the environment (PraisonAI's scope
    `session`): stored with the session's digest, so the same key in another session is another run."""
    digest = hashlib.sha256(session_id.encode()).hexdigest()[:16]
    return f"session:{digest}:{key}"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One attempt of a run (runyard.store.attempts). Times are epoch microseconds (UTC)."""

    number: int
    started_at: int
    worker_id: str | None = None
    ended_at: int | None = None  # None while it runs
    state: RunState | None = None  # the run's state as it ended: retrying, queued (its lease was lost), or final
    exit_code: int | None = None
    error: str | None = None
