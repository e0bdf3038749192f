"""Batches: runs triggered together (Trigger.dev's batchTrigger), stored all in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MAX_BATCH_ITEMS = 1000  # Trigger.dev's streaming batches' limit (STREAMING_BATCH_MAX_ITEMS)


class BatchStatus(StrEnum):
    PENDING = "PENDING"  # made, its items not yet stored
    COMPLETED = "COMPLETED"  # every item is a run


@dataclass(frozen=True)
class Batch:
    id: str
    env_id: str
    status: BatchStatus
    run_count: int
    created_at: int
    updated_at: int
    idempotency_key: str | None = None
    completed_at: int | None = None
    run_ids: tuple[str, ...] = field(default_factory=tuple)  # in item order (a cached item: the run its key returned)


@dataclass(frozen=True)
class BatchFill:
    """What storing a batch's items did."""

    batch: Batch
    accepted: int
    deduplicated: int
    sealed: bool = True


@dataclass(frozen=True)
class BatchRuns:
    """A batch triggered in one request: whether it was made now, and each item's (run id, job, made now)."""

    batch: Batch
    created: bool
    runs: list[tuple[str, str, bool]]
