"""Claims of several slots at once (RunQueue.claim_many): one statement takes a prefix of the ready runs
in claim order, never past a job's or a queue's concurrency limit, and never a run another worker took.

Each test runs on a real SQLite file and on a fresh PostgreSQL database unless it names one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TypeVar

from runyard.domain import NewRun, Run
from runyard.jobs import JobDefinition
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import RunQueue
from runyard.store.queues import QueueStore
from runyard.store.runs import RunStore
from runyard.timeutil import now_us

T = TypeVar("T")

FREE = JobDefinition(name="free", command=("true",))
CAPPED = JobDefinition(name="capped", command=("true",), concurrency=2)
LEASE_SECONDS = 30.0


def _on(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def scenario() -> T:
        db = open_database(url, run_migrations=False)
        try:
            for job in (FREE, CAPPED):
                await JobStore(db).put(job)
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(scenario())


async def _store(db: Database, *news: NewRun) -> list[str]:
    """The runs stored one after another (so each is older than the next), in one environment; their ids."""
    return [(await RunStore(db).insert(dataclasses.replace(new, job_version=1, env_id="env_claims")))[0].id for new in news]


async def _claim(db: Database, slots: int, worker: str = "w1") -> list[str]:
    return [run.id for run in await RunQueue(db).claim_many(worker, now_us(), LEASE_SECONDS, slots)]


async def _drain(queue: RunQueue, worker: str, slots: int) -> list[Run]:
    """Claims of `slots` until one takes nothing."""
    taken: list[Run] = []
    while runs := await queue.claim_many(worker, now_us(), LEASE_SECONDS, slots):
        taken += runs
    return taken


async def _race(db: Database, workers: int) -> list[Run]:
    """`workers` claiming 4 slots at a time at once, each a store of its own as separate processes
    have, then one more: a worker that found nothing stops, while runs another one had locked
    and let go of may remain (a real worker polls again)."""
    stores = [db.separate() for _ in range(workers)]
    try:
        taken = await asyncio.gather(*(_drain(RunQueue(store), f"w{i}", 4) for i, store in enumerate(stores)))
    finally:
        for store in stores:
            await store.close()
    return [run for runs in taken for run in runs] + await _drain(RunQueue(db), "last", 4)


def test_one_claim_fills_every_free_slot_by_priority_then_age(database_url: str) -> None:
    async def work(db: Database) -> tuple[list[str], list[str]]:
        low, high, middle, high_later, low_later = await _store(db, *(NewRun(job_name="free", priority=p) for p in (0, 10, 5, 10, 0)))
        return await _claim(db, 4), [high, high_later, middle, low]

    taken, expected = _on(database_url, work)
    assert taken == expected


def test_a_claim_stops_before_a_run_under_a_limit_that_is_not_its_first(database_url: str) -> None:
    async def work(db: Database) -> tuple[list[str], list[str], list[str]]:
        ids = await _store(db, NewRun(job_name="free"), NewRun(job_name="capped"), NewRun(job_name="free"), NewRun(job_name="free"))
        return ids, await _claim(db, 4), await _claim(db, 4)

    ids, first, second = _on(database_url, work)
    assert first == ids[:1]  # the limited run is not taken behind another one
    assert second == ids[1:]  # as the first of a claim it is, with the free runs after it


def test_claims_of_several_slots_never_take_more_than_a_jobs_limit(database_url: str) -> None:
    async def work(db: Database) -> int:
        await _store(db, *(NewRun(job_name="capped") for _ in range(5)))
        return len(await _drain(RunQueue(db), "w1", 4))

    assert _on(database_url, work) == CAPPED.concurrency


def test_claims_of_several_slots_never_take_more_than_a_queues_limit_and_take_the_free_runs_too(database_url: str) -> None:
    async def work(db: Database) -> tuple[list[Run], list[str]]:
        await QueueStore(db).apply_file({"narrow": 1})
        narrow = await _store(db, *(NewRun(job_name="free", queue_name="narrow") for _ in range(3)))
        free = await _store(db, *(NewRun(job_name="free") for _ in range(3)))
        taken = await _drain(RunQueue(db), "w1", 3)
        return taken, [narrow[0], *free]

    taken, expected = _on(database_url, work)
    assert [run.id for run in taken] == expected


def test_workers_claiming_several_slots_at_once_never_take_one_run_twice_on_postgresql(pg_url: str) -> None:
    workers = 6

    async def work(db: Database) -> list[Run]:
        await _store(db, *(NewRun(job_name="free") for _ in range(120)))
        return await _race(db, workers)

    taken = _on(pg_url, work)
    assert len(taken) == 120 and len({run.id for run in taken}) == 120


def test_workers_claiming_several_slots_at_once_never_take_more_than_a_jobs_limit_on_postgresql(pg_url: str) -> None:
    async def work(db: Database) -> list[Run]:
        await _store(db, *(NewRun(job_name="capped") for _ in range(10)), *(NewRun(job_name="free") for _ in range(10)))
        return await _race(db, 6)

    taken = _on(pg_url, work)
    assert sum(run.job_name == "capped" for run in taken) == CAPPED.concurrency
    assert sum(run.job_name == "free" for run in taken) == 10
