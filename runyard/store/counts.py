"""Counts of runs by (environment, job, state) and by (environment, session, state), without counting runs.

Triggers on `runs` append a delta for every change (migrations 0007 and 0015); `fold` moves the
deltas into `run_counts` and `session_counts` (housekeeping and every server call it), and a reader
sums both in one statement, so a count is exact at any moment and costs rows per group, not per run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runyard.domain import WAITING_STATES, RunFilter, StateCounts
from runyard.store.db import Database
from runyard.store.run_filters import counted_by_session, counted_by_state, where
from runyard.store.schema import run_count_deltas, run_counts, session_count_deltas, session_counts

# The counts made again from the runs, in one transaction (after a bulk load with the runs' triggers
# off, as the benchmark's seeding does: counting ten million runs once beats a trigger per row).
RECOUNT = (
    "DELETE FROM run_count_deltas",
    "DELETE FROM run_counts",
    "INSERT INTO run_counts (env_id, job_name, state, runs, keyed) "
    "SELECT COALESCE(env_id, ''), job_name, state, count(*), count(idempotency_key) FROM runs GROUP BY COALESCE(env_id, ''), job_name, state",
    "DELETE FROM session_count_deltas",
    "DELETE FROM session_counts",
    "INSERT INTO session_counts (session_id, state, env_id, runs) "
    "SELECT session_id, state, COALESCE(env_id, ''), count(*) FROM runs WHERE session_id IS NOT NULL GROUP BY session_id, state, COALESCE(env_id, '')",
)
_FOLD_LOCK = 72411  # PostgreSQL advisory lock: one fold at a time (72410 is the migrations')
# Both tables' rows as one: the counts folded so far and the deltas since.
_BOTH = "SELECT env_id, job_name, state, runs FROM run_counts UNION ALL SELECT env_id, job_name, state, runs FROM run_count_deltas"
_BOTH_SESSIONS = "SELECT env_id, session_id, state, runs FROM session_counts UNION ALL SELECT env_id, session_id, state, runs FROM session_count_deltas"


class RunCounts:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def counts(self, env_id: str | None = None) -> StateCounts:
        """Runs by state (and those with an idempotency key), in one environment or all."""
        parts = [sa.select(t.c.env_id, t.c.state, t.c.runs, t.c.keyed) for t in (run_counts, run_count_deltas)]
        both = sa.union_all(*parts).subquery()
        query = sa.select(both.c.state, sa.func.sum(both.c.runs), sa.func.sum(both.c.keyed)).group_by(both.c.state)
        if env_id is not None:
            query = query.where(both.c.env_id == env_id)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        by_state = {str(row[0]): int(row[1]) for row in rows if row[1]}
        return StateCounts(by_state, sum(int(row[2]) for row in rows))

    async def total(self, flt: RunFilter) -> int | None:
        """How many runs the filter selects, when the counts can say (only states and environment
        filtered, with jobs or with a session; see run_filters); else None. Its cost grows with the
        number of groups the filter selects, not with the runs."""
        if counted_by_state(flt):
            both = _BOTH
        elif counted_by_session(flt):
            both = _BOTH_SESSIONS
        else:
            return None
        found = where(flt)
        if found.nothing:
            return 0
        row = await self._db.hot.one(f"SELECT CAST(COALESCE(SUM(runs), 0) AS BIGINT) FROM ({both}) AS counted{found.sql()}", found.params)
        return int(row[0]) if row is not None else 0

    async def by_group(self) -> list[tuple[str, str, str, int]]:
        """Runs by (environment's name, job, state), every group the counts hold (one whose runs have all
        moved on holds 0, so a metric's series goes to 0 rather than vanishing): one statement over the
        counts and the deltas (and the environments, by key), never over the runs (GET /metrics reads this)."""
        rows = await self._db.hot.all(
            "SELECT environments.name, counted.job_name, counted.state, CAST(SUM(counted.runs) AS BIGINT)"
            f" FROM ({_BOTH}) AS counted JOIN environments ON environments.id = counted.env_id"
            " GROUP BY environments.name, counted.job_name, counted.state",
            [],
        )
        return [(str(row[0]), str(row[1]), str(row[2]), int(row[3] or 0)) for row in rows]

    async def waiting(self) -> int:
        """Runs waiting to start (queued, delayed, retrying), in every environment."""
        by_state = (await self.counts()).by_state
        return sum(by_state.get(state.value, 0) for state in WAITING_STATES)

    async def fold(self) -> None:
        """Move the deltas into the counts (a no-op when another server is folding on PostgreSQL)."""
        async with self._db.engine.begin() as conn:
            if self._db.kind == "postgresql" and not (await conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(_FOLD_LOCK)))).scalar():
                return
            for fold in _FOLDS:
                await fold.run(conn, self._db.kind)


@dataclass(frozen=True)
class _Fold:
    """Deltas folded into their counts: the group's key columns and the summed columns."""

    counts: sa.Table
    deltas: sa.Table
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    async def run(self, conn: Any, kind: str) -> None:
        d, c = self.deltas, self.counts
        group = [d.c[name] for name in self.keys]
        if kind == "postgresql":
            # What is deleted is exactly what is counted: a delta committed meanwhile stays for the next fold.
            moved = d.delete().returning(*group, *(d.c[name] for name in self.sums)).cte("moved")
            summed = sa.select(*(moved.c[name] for name in self.keys), *(sa.func.sum(moved.c[name]) for name in self.sums)).group_by(
                *(moved.c[name] for name in self.keys)
            )
            pg_insert = postgresql.insert(c).from_select([*self.keys, *self.sums], summed)
            await conn.execute(
                pg_insert.on_conflict_do_update(index_elements=list(self.keys), set_={name: c.c[name] + pg_insert.excluded[name] for name in self.sums})
            )
            return
        # SQLite: this transaction holds the only write lock, so nothing is appended meanwhile.
        last = (await conn.execute(sa.select(sa.func.max(d.c.id)))).scalar()
        if last is None:
            return
        summed_sqlite = sa.select(*group, *(sa.func.sum(d.c[name]) for name in self.sums)).where(d.c.id <= last).group_by(*group)
        lite_insert = sqlite.insert(c).from_select([*self.keys, *self.sums], summed_sqlite)
        await conn.execute(
            lite_insert.on_conflict_do_update(index_elements=list(self.keys), set_={name: c.c[name] + lite_insert.excluded[name] for name in self.sums})
        )
        await conn.execute(d.delete().where(d.c.id <= last))


_FOLDS = (
    _Fold(run_counts, run_count_deltas, ("env_id", "job_name", "state"), ("runs", "keyed")),
    _Fold(session_counts, session_count_deltas, ("session_id", "state", "env_id"), ("runs",)),
)
