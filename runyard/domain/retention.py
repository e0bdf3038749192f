"""Retention: how long a job's finished runs are kept before every server deletes them.

A job's own `retention_days` (its definition, e.g. in runyard.toml) wins over the server's
`--retention-days`. 0 means keep forever: a job with `retention_days = 0` keeps its runs whatever
the server says. Without a value of its own (None) a job follows the server, and a server without
`--retention-days` (or with 0) keeps runs forever. Age counts from when a run finished
(`completed_at`), never from when it was created.
"""

from __future__ import annotations

DAY_US = 86_400 * 1_000_000


def retention_days(own: int | None, server: int | None) -> int | None:
    """Days a job's finished runs are kept: its own setting, else the server's; None keeps them forever."""
    days = own if own is not None else server
    return days or None


def cutoff(now: int, days: int) -> int:
    """Runs that finished before this time (epoch microseconds) are past `days` days of retention."""
    return now - days * DAY_US
