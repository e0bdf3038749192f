"""Retention's deletes: a job's finished runs that completed before a cut-off, a small batch per
transaction (RunService.apply_retention paces the batches and decides each job's cut-off).

Each batch is one DELETE of at most `limit` runs chosen through the partial index on
(job_name, completed_at) (migration 0014), oldest first and from where the previous batch of the
pass stopped, so its cost does not grow with the table. A run goes exactly as RunStore.delete takes
it: its tags and webhook deliveries by cascade, its counts by trigger, its bulk-action rows with
`forget_deleted` in the same transaction.

Only finished runs are chosen, and the DELETE itself says so again: a run that is waiting or that a
worker holds (running, cancelling) is never deleted. On PostgreSQL the batch is chosen `FOR UPDATE
SKIP LOCKED`: servers running retention at once each take runs no other has locked (no waiting, no
deadlock, each run deleted once, by one of them), and a run someone is changing at that moment (its
metadata, its tags) is left for the next pass. On SQLite the batch runs under the one write lock, in a
worker thread (InlineEngine.write_in_thread) so that the server's loop goes on answering meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.dml import ReturningDelete

from runyard.domain import FINISHED_STATES
from runyard.store.db import Database
from runyard.store.inline import InlineEngine
from runyard.store.runs import forget_deleted
from runyard.store.schema import runs

FINISHED = tuple(sorted(state.value for state in FINISHED_STATES))


@dataclass(frozen=True)
class Deleted:
    """One batch: how many runs it deleted, and the latest completion time among them (where the
    next batch of the pass starts; None when it deleted nothing)."""

    runs: int
    last_completed_at: int | None


def _finished_before(cutoff: int) -> tuple[sa.ColumnElement[bool], ...]:
    return runs.c.state.in_(FINISHED), runs.c.completed_at < cutoff


def _batch(rows: list[sa.Row[Any]]) -> Deleted:
    return Deleted(len(rows), max((row.completed_at for row in rows), default=None))


class RunRetention:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def jobs_with_finished_runs(self) -> list[str]:
        """The job names of every finished run, one index probe per name (a loose index scan of
        ix_runs_job_completed, instead of reading each finished run for a DISTINCT)."""
        names: list[str] = []
        async with self._db.engine.connect() as conn:
            while True:
                query = sa.select(sa.func.min(runs.c.job_name)).where(runs.c.completed_at.is_not(None))
                if names:
                    query = query.where(runs.c.job_name > names[-1])
                name = (await conn.execute(query)).scalar()
                if name is None:
                    return names
                names.append(name)

    def chosen(self, job_name: str, cutoff: int, since: int | None, limit: int) -> sa.Select[tuple[str]]:
        """The ids of a batch: an index range of ix_runs_job_completed, read in its order up to `limit`."""
        chosen = sa.select(runs.c.id).where(runs.c.job_name == job_name, *_finished_before(cutoff))
        if since is not None:
            chosen = chosen.where(runs.c.completed_at >= since)  # ties with the last batch's latest: >=
        chosen = chosen.order_by(runs.c.completed_at).limit(limit)
        if self._db.kind == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        return chosen

    def _statement(self, job_name: str, cutoff: int, since: int | None, limit: int) -> ReturningDelete[Any]:
        chosen = self.chosen(job_name, cutoff, since, limit)
        return runs.delete().where(runs.c.id.in_(chosen), *_finished_before(cutoff)).returning(runs.c.id, runs.c.completed_at)

    async def delete_batch(self, job_name: str, cutoff: int, *, since: int | None, limit: int) -> Deleted:
        """Delete at most `limit` finished runs of the job that completed before `cutoff` (and at or
        after `since`, where the pass's previous batch stopped), oldest first, in one transaction."""
        statement = self._statement(job_name, cutoff, since, limit)
        engine = self._db.engine
        if isinstance(engine, InlineEngine):

            def delete(conn: sa.Connection) -> list[sa.Row[Any]]:
                rows = list(conn.execute(statement).all())
                if rows:
                    conn.execute(forget_deleted([row.id for row in rows]))
                return rows

            return _batch(await engine.write_in_thread(delete))
        async with engine.begin() as conn:
            rows = list((await conn.execute(statement)).all())
            if rows:
                await conn.execute(forget_deleted([row.id for row in rows]))
        return _batch(rows)
