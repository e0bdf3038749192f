"""A run's attempts (runyard.store.attempts): the store's triggers record each attempt as a worker
claims the run and how it ended, whichever statement ends it, so a run page can show them all.

Each test runs on a real SQLite file and on a fresh PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from runyard.domain import NewRun, RunState
from runyard.domain.runs import Attempt
from runyard.jobs import JobDefinition
from runyard.store.attempts import AttemptStore
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import Outcome, RunQueue
from runyard.store.runs import RunStore
from runyard.timeutil import now_us

T = TypeVar("T")

JOB = JobDefinition(name="tries", command=("false",), max_attempts=3)
LEASE_SECONDS = 30.0


def _on(url: str, work: Callable[[Database, str], Awaitable[T]]) -> T:
    """`work` on a store holding one queued run of JOB (its id given), which may be tried three times."""

    async def scenario() -> T:
        db = open_database(url, run_migrations=False)
        try:
            await JobStore(db).put(JOB)
            run, _ = await RunStore(db).insert(dataclasses.replace(NewRun(job_name="tries", max_attempts=3), job_version=1, env_id="env_attempts"))
            return await work(db, run.id)
        finally:
            await db.close()

    return asyncio.run(scenario())


async def _claim(db: Database, run_id: str, worker: str, now: int) -> None:
    taken = await RunQueue(db).claim(worker, now, LEASE_SECONDS)
    assert taken is not None and taken.id == run_id


async def _requeue(db: Database, run_id: str) -> None:
    """A retrying run due again (as housekeeping makes it)."""
    await RunQueue(db).housekeeping(now_us() + 3_600_000_000)


def test_a_run_nobody_claimed_has_no_attempt(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> list[Attempt]:
        return await AttemptStore(db).of_run(run_id)

    assert _on(database_url, work) == []


def test_a_claim_begins_an_attempt_on_its_worker_that_has_not_ended(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> tuple[list[Attempt], int]:
        now = now_us()
        await _claim(db, run_id, "worker-a", now)
        return await AttemptStore(db).of_run(run_id), now

    attempts, now = _on(database_url, work)
    assert attempts == [Attempt(number=1, started_at=now, worker_id="worker-a")]


def test_each_attempt_keeps_its_own_exit_code_and_error_and_the_last_one_its_final_state(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> list[Attempt]:
        queue = RunQueue(db)
        for number, worker in enumerate(("worker-a", "worker-b", "worker-a"), start=1):
            await _claim(db, run_id, worker, now_us())
            last = number == 3
            outcome = Outcome(
                state=RunState.FAILED if last else RunState.RETRYING,
                error=f"Exited with code {number}",
                exit_code=number,
                duration_ms=5,
                retry_at=None if last else now_us(),
            )
            assert await queue.finish(run_id, worker, now_us(), outcome)
            if not last:
                await _requeue(db, run_id)
        return await AttemptStore(db).of_run(run_id)

    attempts = _on(database_url, work)
    assert [(a.number, a.worker_id, a.state, a.exit_code, a.error) for a in attempts] == [
        (1, "worker-a", RunState.RETRYING, 1, "Exited with code 1"),
        (2, "worker-b", RunState.RETRYING, 2, "Exited with code 2"),
        (3, "worker-a", RunState.FAILED, 3, "Exited with code 3"),
    ]
    assert all(a.ended_at is not None and a.ended_at >= a.started_at for a in attempts)


def test_an_attempt_handed_back_before_it_started_is_not_one(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> list[Attempt]:
        await _claim(db, run_id, "worker-a", now_us())
        assert await RunQueue(db).hand_back(run_id, "worker-a", now_us())
        return await AttemptStore(db).of_run(run_id)

    assert _on(database_url, work) == []


def test_an_attempt_whose_lease_lapsed_ends_queued_with_the_reason_and_the_next_is_another(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> list[Attempt]:
        await _claim(db, run_id, "worker-a", now_us() - 120_000_000)  # its lease ran out 90 s ago
        housekeeping = await RunQueue(db).housekeeping(now_us())
        assert housekeeping.requeued == 1
        await _claim(db, run_id, "worker-b", now_us())
        return await AttemptStore(db).of_run(run_id)

    first, second = _on(database_url, work)
    assert (first.number, first.state, first.error) == (1, RunState.QUEUED, "Attempt 1 lost: its worker stopped renewing the lease")
    assert (second.number, second.worker_id, second.ended_at) == (2, "worker-b", None)


def test_deleting_a_run_deletes_its_attempts(database_url: str) -> None:
    async def work(db: Database, run_id: str) -> list[Attempt]:
        await _claim(db, run_id, "worker-a", now_us())
        assert await RunQueue(db).finish(run_id, "worker-a", now_us(), Outcome(state=RunState.SUCCEEDED, exit_code=0, duration_ms=1))
        await RunStore(db).delete(run_id)
        return await AttemptStore(db).of_run(run_id)

    assert _on(database_url, work) == []
