"""Time as the store keeps it: integer microseconds since the Unix epoch, UTC.

Integers sort, compare and index the same way on SQLite and PostgreSQL and
make cursors exact; the dialects format them at the edge.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_us() -> int:
    return time.time_ns() // 1000


def to_iso(us: int) -> str:
    """ISO 8601 in UTC with a `Z` suffix, as the public APIs write it."""
    dt = datetime.fromtimestamp(us / 1_000_000, tz=UTC)
    text = dt.isoformat(timespec="microseconds" if us % 1_000_000 else "seconds")
    return text.replace("+00:00", "Z")
