"""Bulk actions: cancel or replay every run of a filter, or of a list of ids, in the background a
chunk at a time, counting successes and failures (Trigger.dev's `runs.bulk`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from runyard.domain.runs import RunFilter

MAX_BULK_RUN_IDS = 500  # Trigger.dev's BULK_ACTION_MAX_RUN_IDS
BULK_CHUNK = 100  # runs per step: no request waits on it, no transaction holds more


class BulkKind(StrEnum):
    CANCEL = "CANCEL"
    REPLAY = "REPLAY"


class BulkStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    ABORTED = "ABORTED"


@dataclass(frozen=True)
class NewBulkAction:
    env_id: str
    kind: BulkKind
    name: str | None = None
    filter: RunFilter | None = None  # exactly one of filter and run_ids
    run_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BulkAction:
    id: str
    env_id: str
    kind: BulkKind
    status: BulkStatus
    total: int
    success: int
    failure: int
    created_at: int
    updated_at: int
    name: str | None = None
    completed_at: int | None = None
    cutoff: int = 0
    filter: RunFilter | None = None
    run_ids: tuple[str, ...] | None = None
    cursor: tuple[int, str] | None = None  # the last run done, in (created_at, id) order (ids: (position, ""))
