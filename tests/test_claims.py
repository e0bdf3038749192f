"""Claims of several slots at once (RunQueue.claim_many) and of an ending attempt's slot with its outcome
(RunQueue.finish_and_claim): a claim takes a prefix of the ready runs in claim order, never past a
job's or a queue's concurrency limit, and never a run another worker took.

Each test runs on a real SQLite file and on a fresh PostgreSQL database unless it names one.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa

from runyard.domain import NewRun, Run, RunState
from runyard.jobs import JobDefinition
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import Outcome, RunQueue
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
        low, high, middle, high_later, _left = await _store(db, *(NewRun(job_name="free", priority=p) for p in (0, 10, 5, 10, 0)))
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


DONE = Outcome(RunState.SUCCEEDED, exit_code=0, duration_ms=1, stdout_tail="", stderr_tail="")


async def _hand_over(queue: RunQueue, worker: str) -> list[Run]:
    """A worker of one slot that takes each next run with the outcome of the last, until none is taken."""
    taken: list[Run] = []
    while first := await queue.claim(worker, now_us(), LEASE_SECONDS):
        current: Run | None = first
        while current is not None:
            taken.append(current)
            done, following = await queue.finish_and_claim(current.id, worker, now_us(), DONE, LEASE_SECONDS)
            assert done
            current = following[0] if following else None
    return taken


def test_an_ending_attempt_takes_the_next_ready_run_with_its_outcome(database_url: str) -> None:
    async def work(db: Database) -> tuple[list[str], bool, list[str], RunState]:
        ids = await _store(db, *(NewRun(job_name="free", priority=p) for p in (0, 5, 0)))
        queue = RunQueue(db)
        first = await _claim(db, 1)
        done, following = await queue.finish_and_claim(first[0], "w1", now_us(), DONE, LEASE_SECONDS)
        return [*first, *(run.id for run in following)], done, [ids[1], ids[0]], (await RunStore(db).get(first[0])).state

    taken, done, expected, state = _on(database_url, work)
    assert done and state is RunState.SUCCEEDED
    assert taken == expected


def test_an_outcome_of_a_run_this_worker_no_longer_holds_is_refused_and_the_slot_still_filled(database_url: str) -> None:
    async def work(db: Database) -> tuple[bool, int]:
        await _store(db, NewRun(job_name="free"), NewRun(job_name="free"))
        first = await _claim(db, 1)
        done, following = await RunQueue(db).finish_and_claim(first[0], "another", now_us(), DONE, LEASE_SECONDS)
        return done, len(following)

    assert _on(database_url, work) == (False, 1)


def test_handing_slots_over_never_holds_more_runs_than_a_jobs_limit(database_url: str) -> None:
    async def work(db: Database) -> list[int]:
        await _store(db, *(NewRun(job_name="capped") for _ in range(4)))
        queue = RunQueue(db)
        held = [len(await _drain(queue, "w1", 4))]
        for run_id in await _held(db):
            await queue.finish_and_claim(run_id, "w1", now_us(), DONE, LEASE_SECONDS)
            held.append(len(await _held(db)))
        return held

    assert max(_on(database_url, work)) <= CAPPED.concurrency


async def _held(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return [row[0] for row in (await conn.execute(sa.text("SELECT id FROM runs WHERE state = 'running'"))).all()]


def test_workers_handing_their_slots_over_never_take_one_run_twice_on_postgresql(pg_url: str) -> None:
    async def work(db: Database) -> list[Run]:
        await _store(db, *(NewRun(job_name="free") for _ in range(120)), *(NewRun(job_name="capped") for _ in range(6)))
        stores = [db.separate() for _ in range(6)]
        try:
            taken = await asyncio.gather(*(_hand_over(RunQueue(store), f"w{i}") for i, store in enumerate(stores)))
        finally:
            for store in stores:
                await store.close()
        return [run for runs in taken for run in runs] + await _hand_over(RunQueue(db), "last")

    taken = _on(pg_url, work)
    assert len(taken) == 126 and len({run.id for run in taken}) == 126


def _plan_nodes(plan: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(node type, index name) of every node of an EXPLAIN (FORMAT JSON) plan, depth first."""
    nodes = [(plan["Node Type"], plan.get("Index Name"))]
    for child in plan.get("Plans", []):
        nodes += _plan_nodes(child)
    return nodes


async def _worker_plan(db: Database, statement: Callable[[RunQueue], str], params: tuple[Any, ...]) -> list[tuple[str, str | None]]:
    """The plan nodes of one of RunQueue's statements, as a worker's own connections plan it."""
    worker_db = db.separate()
    try:
        row = await worker_db.hot.one(f"EXPLAIN (FORMAT JSON) {statement(RunQueue(worker_db))}", params)
    finally:
        await worker_db.close()
    assert row is not None
    return _plan_nodes(row[0][0]["Plan"])


def test_a_workers_claim_walks_the_claim_order_index_when_statistics_say_the_queue_is_empty_on_postgresql(pg_url: str) -> None:
    async def work(db: Database) -> list[tuple[str, str | None]]:
        await _store(db, NewRun(job_name="free"))
        await _claim(db, 1)  # the table is not empty, but nothing in it is queued
        async with db.engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE runs"))  # no run is queued now: the statistics say so
        await _store(db, *(NewRun(job_name="free") for _ in range(300)))
        return await _worker_plan(db, lambda queue: queue._sql.candidates, (1,))

    nodes = _on(pg_url, work)
    # Walked in claim order, it stops at the first ready run; sorted, every queued run is read first.
    assert ("Index Scan", "ix_runs_claim_order") in nodes and "Sort" not in [node for node, _ in nodes], nodes


def test_a_workers_claim_takes_its_runs_by_key_when_statistics_say_the_table_is_small_on_postgresql(pg_url: str) -> None:
    async def work(db: Database) -> list[tuple[str, str | None]]:
        await _store(db, NewRun(job_name="free"))
        async with db.engine.connect() as conn:
            await conn.execute(sa.text("ANALYZE runs"))  # one run: the statistics say the table is a page
        await _store(db, *(NewRun(job_name="free") for _ in range(300)))
        params = (1, "w1", now_us() + 15_000_000, now_us(), now_us(), now_us())
        return await _worker_plan(db, lambda queue: queue._sql.claim_free, params)

    nodes = _on(pg_url, work)
    # Read whole, the table costs a claim more the more runs it holds; by key, one look per run taken.
    assert "Seq Scan" not in [node for node, _ in nodes], nodes
