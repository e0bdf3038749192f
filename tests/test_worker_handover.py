"""An attempt that ends hands its slot to the next run with its outcome (RunQueue.finish_and_claim): the
worker runs what it was handed, even when it stops while the outcome is on its way."""

from __future__ import annotations

import asyncio

import pytest

from runyard.domain import NewRun, Run, RunState
from runyard.executor.worker import Worker, WorkerSettings
from runyard.jobs import JobDefinition
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import Outcome, RunQueue
from runyard.store.runs import RunStore

TRUE = JobDefinition(name="true", command=("true",))


class SlowHandover(RunQueue):
    """An outcome that takes a while to reach the store, as on a busy database; says when it set off."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.writing = asyncio.Event()

    async def finish_and_claim(self, run_id: str, worker_id: str, now: int, outcome: Outcome, lease_seconds: float) -> tuple[bool, list[Run]]:
        self.writing.set()
        await asyncio.sleep(0.5)
        return await super().finish_and_claim(run_id, worker_id, now, outcome, lease_seconds)


@pytest.fixture
def db(sqlite_url: str) -> Database:
    return open_database(sqlite_url, run_migrations=False)


def test_a_run_handed_over_while_the_worker_stops_is_run_before_it_exits(db: Database) -> None:
    async def scenario() -> list[RunState]:
        try:
            await JobStore(db).put(TRUE)
            ids = [(await RunStore(db).insert(NewRun(job_name="true", job_version=1)))[0].id for _ in range(2)]
            worker = Worker(db, WorkerSettings(concurrency=1, poll_interval=0.05, shutdown_grace_seconds=10))
            queue = worker.queue = SlowHandover(db)
            stop = asyncio.Event()
            working = asyncio.create_task(worker.run(stop))
            await asyncio.wait_for(queue.writing.wait(), 10)
            stop.set()  # while the first run's outcome, and the second run's claim, are on their way
            await asyncio.wait_for(working, 20)
            return [(await RunStore(db).get(run_id)).state for run_id in ids]
        finally:
            await db.close()

    assert asyncio.run(scenario()) == [RunState.SUCCEEDED, RunState.SUCCEEDED]
