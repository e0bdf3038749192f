"""Dispatch without polling: a stored run wakes idle workers at once, in its own process through
the service and, on PostgreSQL, in every process through LISTEN/NOTIFY (migration 0013)."""

from __future__ import annotations

import asyncio

import psycopg

from runyard.domain import JobDefinition, NewRun, RunState
from runyard.executor.worker import Worker, WorkerSettings
from runyard.runtime import install_jobs_now
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.store.schema import runs

# A worker that would look for runs only once a minute: whatever starts sooner was woken.
SLEEPY = WorkerSettings(concurrency=2, poll_interval=60.0, housekeeping_interval=60.0, shutdown_grace_seconds=1.0)
QUICK = JobDefinition(name="quick", command=("true",), timeout_seconds=30)


async def _started_within(service: RunService, run_id: str, seconds: float) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if (await service.run(run_id)).state is RunState.SUCCEEDED:
            return True
        await asyncio.sleep(0.02)
    return False


def test_a_run_stored_by_another_process_wakes_an_idle_worker_on_postgresql(pg_url: str) -> None:
    # The submitting side and the worker share no object: two Database instances, as two processes
    # would have; only the database's notification can reach the worker.
    install_jobs_now(open_database(pg_url), [QUICK])

    async def scenario() -> list[bool]:
        worker = Worker(open_database(pg_url, run_migrations=False), SLEEPY)
        service = RunService(open_database(pg_url, run_migrations=False))
        stop = asyncio.Event()
        working = asyncio.create_task(worker.run(stop))
        await asyncio.sleep(0.5)  # its first pass is done; it listens and waits
        started = []
        for _ in range(3):
            submitted = await service.submit(NewRun(job_name="quick", input=None))
            started.append(await _started_within(service, submitted.run.id, 10.0))
        stop.set()
        await working
        return started

    assert asyncio.run(scenario()) == [True, True, True]


def test_a_requeued_run_notifies_too_on_postgresql(pg_url: str) -> None:
    db = open_database(pg_url)
    install_jobs_now(db, [QUICK])

    async def scenario() -> bool:
        async with await psycopg.AsyncConnection.connect(db.conninfo, autocommit=True) as listener:
            await listener.execute("LISTEN runyard_ready")
            service = RunService(db)
            submitted = await service.submit(NewRun(job_name="quick", input=None, delay_seconds=3600))
            async with db.engine.begin() as conn:
                await conn.execute(runs.update().where(runs.c.id == submitted.run.id).values(state="queued"))
            heard = 0
            async for _ in listener.notifies(timeout=2.0):
                heard += 1
            return heard == 2  # the insert (a statement's worth) and the delayed run made ready

    assert asyncio.run(scenario())
