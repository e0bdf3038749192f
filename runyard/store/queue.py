"""The execution side of the store: claims with leases, heartbeats, outcomes and housekeeping.

Every change a worker makes is guarded by its lease (`lease_owner`): a worker
that lost its lease (it stalled and another took the run over) cannot
overwrite what happened since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from runyard.domain import Run, RunState
from runyard.store.db import Database
from runyard.store.runs import HELD, RunStore, run_from_row
from runyard.store.schema import jobs, queues, runs


@dataclass(frozen=True)
class Outcome:
    """How an attempt ended, as the worker saw it."""

    state: RunState  # succeeded, failed, timed_out, system_failure, cancelled, or retrying
    error: str | None = None
    exit_code: int | None = None
    result: Any = None
    duration_ms: int | None = None
    stdout_tail: str | None = None
    stderr_tail: str | None = None
    retry_at: int | None = None


@dataclass(frozen=True)
class Housekeeping:
    promoted: int
    expired: int
    crashed: int
    requeued: int


def _us(seconds: float) -> int:
    return int(seconds * 1_000_000)


class RunQueue:
    def __init__(self, db: Database) -> None:
        self._db = db
        # Built once with bound parameters: building it anew cost more than running it.
        self._claim = self._claim_statement()

    def _claim_statement(self) -> sa.Update:
        running = (
            sa.select(sa.func.count())
            .select_from(runs.alias("held"))
            .where(sa.literal_column("held.job_name") == jobs.c.name, sa.literal_column("held.state").in_(HELD))
        )
        saturated = sa.exists().where(jobs.c.name == runs.c.job_name, jobs.c.concurrency.is_not(None), jobs.c.concurrency <= running.scalar_subquery())
        held = runs.alias("queue_held")
        in_queue = (
            sa.select(sa.func.count())
            .select_from(held)
            .where(
                held.c.env_id == runs.c.env_id,
                held.c.queue_name == runs.c.queue_name,
                held.c.concurrency_key.is_not_distinct_from(runs.c.concurrency_key),
                held.c.state.in_(HELD),
            )
            .correlate(runs)  # the candidate run's queue, not every run's
        )
        queue_full = sa.exists().where(
            queues.c.name == runs.c.queue_name, queues.c.concurrency_limit.is_not(None), queues.c.concurrency_limit <= in_queue.scalar_subquery()
        )
        candidate = (
            sa.select(runs.c.id)
            .where(runs.c.state == RunState.QUEUED.value, ~saturated, ~queue_full)
            .order_by(runs.c.priority.desc(), runs.c.created_at, runs.c.id)
            .limit(1)
        )
        if self._db.kind == "postgresql":
            # Workers skip each other's candidates instead of queueing on them.
            candidate = candidate.with_for_update(skip_locked=True, of=runs)
        return (
            runs.update()
            .where(runs.c.id == candidate.scalar_subquery(), runs.c.state == RunState.QUEUED.value)
            .values(
                state=RunState.RUNNING.value,
                lease_owner=sa.bindparam("worker_id", type_=sa.String),
                lease_expires_at=sa.bindparam("lease_expires_at", type_=sa.BigInteger),
                attempt=runs.c.attempt + 1,
                started_at=sa.func.coalesce(runs.c.started_at, sa.bindparam("now", type_=sa.BigInteger)),
                updated_at=sa.bindparam("now", type_=sa.BigInteger),
            )
            .returning(*runs.c)
        )

    async def claim(self, worker_id: str, now: int, lease_seconds: float) -> Run | None:
        """Take the queued run of the highest priority, the oldest among equals, whose job is under its
        concurrency limit, atomically.

        A run of a queue with a concurrency limit waits while that many runs of its queue (of its
        concurrency key, if it has one) in its environment are held.

        PostgreSQL: FOR UPDATE SKIP LOCKED picks the run; when its job or its
        queue has a concurrency limit, an advisory lock per job (per queue and
        key) serialises the recount, so two workers cannot both take the last
        free slot. SQLite: the single UPDATE runs under the database's one
        write lock, which is as exact.
        """
        async with self._db.engine.begin() as conn:
            row = (await conn.execute(self._claim, {"worker_id": worker_id, "now": now, "lease_expires_at": now + _us(lease_seconds)})).first()
            if row is None:
                return None
            run = run_from_row(row)
            if self._db.kind == "postgresql" and not await self._within_limits(conn, run):
                await conn.rollback()
                return None
        return run

    async def _within_limits(self, conn: Any, run: Run) -> bool:
        """PostgreSQL: recount the claimed run's job and queue under advisory locks (two workers may
        both have seen the last free slot); False when the claim went past a limit."""
        limit = (await conn.execute(sa.select(jobs.c.concurrency).where(jobs.c.name == run.job_name))).scalar()
        if limit is not None:
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(run.job_name))))
            held = (
                await conn.execute(sa.select(sa.func.count()).select_from(runs).where(runs.c.job_name == run.job_name, runs.c.state.in_(HELD)))
            ).scalar_one()
            if held > limit:
                return False
        if run.queue_name is not None:
            queue_limit = (await conn.execute(sa.select(queues.c.concurrency_limit).where(queues.c.name == run.queue_name))).scalar()
            if queue_limit is not None:
                lock_name = f"queue:{run.env_id}:{run.queue_name}:{run.concurrency_key or ''}"
                await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(lock_name))))
                in_queue = (
                    await conn.execute(
                        sa.select(sa.func.count())
                        .select_from(runs)
                        .where(
                            runs.c.env_id == run.env_id,
                            runs.c.queue_name == run.queue_name,
                            runs.c.concurrency_key.is_not_distinct_from(run.concurrency_key),
                            runs.c.state.in_(HELD),
                        )
                    )
                ).scalar_one()
                if in_queue > queue_limit:
                    return False
        return True

    async def heartbeat(self, run_id: str, worker_id: str, now: int, lease_seconds: float, **fields: Any) -> RunState | None:
        """Renew the lease (and write any progress fields); the run's state, or None when the lease is lost."""
        async with self._db.engine.begin() as conn:
            row = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id, runs.c.lease_owner == worker_id, runs.c.state.in_(HELD))
                    .values(lease_expires_at=now + _us(lease_seconds), updated_at=now, **fields)
                    .returning(runs.c.state)
                )
            ).first()
        return RunState(row.state) if row else None

    async def finish(self, run_id: str, worker_id: str, now: int, outcome: Outcome) -> bool:
        """Record how an attempt ended; False when this worker no longer holds the run."""
        values: dict[str, Any] = {
            "state": outcome.state.value,
            "error": outcome.error,
            "exit_code": outcome.exit_code,
            # A run's duration is its executing time summed over its attempts (one meaning in every dialect).
            "duration_ms": runs.c.duration_ms if outcome.duration_ms is None else sa.func.coalesce(runs.c.duration_ms, 0) + outcome.duration_ms,
            "stdout_tail": outcome.stdout_tail,
            "stderr_tail": outcome.stderr_tail,
            "lease_owner": None,
            "lease_expires_at": None,
            "updated_at": now,
        }
        if outcome.state is RunState.RETRYING:
            values["retry_at"] = outcome.retry_at
        else:
            values["completed_at"] = now
            values["result"] = outcome.result
            if outcome.state is RunState.SUCCEEDED:
                values["progress_percentage"] = 100.0
        async with self._db.engine.begin() as conn:
            done = await conn.execute(runs.update().where(runs.c.id == run_id, runs.c.lease_owner == worker_id, runs.c.state.in_(HELD)).values(**values))
        return done.rowcount == 1

    async def change_metadata(self, run_id: str, worker_id: str, operations: list[dict[str, Any]]) -> None:
        """A running job's own metadata operations, while this worker holds its run."""
        await RunStore(self._db).change_metadata(run_id, operations, lease_owner=worker_id)

    async def hand_back(self, run_id: str, worker_id: str, now: int) -> bool:
        """Return a run to the queue on shutdown; the interrupted attempt does not count."""
        async with self._db.engine.begin() as conn:
            done = await conn.execute(
                runs.update()
                .where(runs.c.id == run_id, runs.c.lease_owner == worker_id, runs.c.state == RunState.RUNNING.value)
                .values(
                    state=RunState.QUEUED.value,
                    attempt=runs.c.attempt - 1,
                    lease_owner=None,
                    lease_expires_at=None,
                    updated_at=now,
                )
            )
        return done.rowcount == 1

    async def housekeeping(self, now: int) -> Housekeeping:
        """Due delayed and retrying runs become queued; TTLs expire; expired leases end crashed or re-queue."""
        async with self._db.engine.begin() as conn:
            promoted = (
                await conn.execute(
                    runs.update().where(runs.c.state == RunState.DELAYED.value, runs.c.delayed_until <= now).values(state=RunState.QUEUED.value, updated_at=now)
                )
            ).rowcount
            promoted += (
                await conn.execute(
                    runs.update().where(runs.c.state == RunState.RETRYING.value, runs.c.retry_at <= now).values(state=RunState.QUEUED.value, updated_at=now)
                )
            ).rowcount
            expired = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.state.in_([RunState.DELAYED.value, RunState.QUEUED.value]), runs.c.expires_at <= now)
                    .values(
                        state=RunState.EXPIRED.value,
                        completed_at=now,
                        updated_at=now,
                        error=sa.literal("Expired: not started within its TTL of ") + sa.cast(runs.c.ttl_seconds, sa.String) + sa.literal(" s"),
                    )
                )
            ).rowcount
            lapsed = [runs.c.state.in_(HELD), runs.c.lease_expires_at < now]
            cancelled = (
                await conn.execute(
                    runs.update()
                    .where(runs.c.state == RunState.CANCELLING.value, runs.c.lease_expires_at < now)
                    .values(
                        state=RunState.CANCELLED.value, completed_at=now, updated_at=now, lease_owner=None, lease_expires_at=None, error="Cancelled by user"
                    )
                )
            ).rowcount
            requeued = (
                await conn.execute(
                    runs.update()
                    .where(*lapsed, runs.c.attempt < runs.c.max_attempts)
                    .values(
                        state=RunState.QUEUED.value,
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                        error=sa.literal("Attempt ") + sa.cast(runs.c.attempt, sa.String) + sa.literal(" lost: its worker stopped renewing the lease"),
                    )
                )
            ).rowcount
            crashed = (
                await conn.execute(
                    runs.update()
                    .where(*lapsed)
                    .values(
                        state=RunState.CRASHED.value,
                        completed_at=now,
                        updated_at=now,
                        lease_owner=None,
                        lease_expires_at=None,
                        error="Crashed: its worker stopped renewing the lease",
                    )
                )
            ).rowcount
        return Housekeeping(promoted, expired, crashed + cancelled, requeued)
