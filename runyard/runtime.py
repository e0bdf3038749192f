"""Start-up work shared by `runyard serve` and `runyard worker`: job definitions and the embedded worker."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runyard import prompt_job
from runyard.domain.schedules import DeclaredSchedule
from runyard.jobs import JobDefinition, demo_job, load_declared_schedules, load_jobs_file, load_queue_limits
from runyard.service import RunService
from runyard.store.db import Database
from runyard.store.jobs import JobStore
from runyard.store.queues import QueueStore


def startup_jobs(jobs_file: Path | None) -> list[JobDefinition]:
    """The jobs file's definitions, plus the built-in `demo` and `praisonai` (the prompt job) unless the file defines its own."""
    jobs = load_jobs_file(jobs_file) if jobs_file is not None else []
    for builtin in (demo_job(), prompt_job.definition()):
        if all(job.name != builtin.name for job in jobs):
            jobs.append(builtin)
    return jobs


@dataclass(frozen=True)
class StartupJobs:
    """What a jobs file says at start: its jobs (with the built-in ones), the schedules declared on
    them and its queues' limits (both None without a file: what the store holds stays as it is)."""

    jobs: list[JobDefinition]
    declared_schedules: list[DeclaredSchedule] | None
    queue_limits: dict[str, int | None] | None


def read_jobs_file(jobs_file: Path | None) -> StartupJobs:
    """The jobs file as `serve` and `worker` start from it (InvalidJob for a bad one)."""
    if jobs_file is None:
        return StartupJobs(startup_jobs(None), None, None)
    return StartupJobs(startup_jobs(jobs_file), load_declared_schedules(jobs_file), load_queue_limits(jobs_file))


async def install_jobs(db: Database, jobs: list[JobDefinition]) -> None:
    store = JobStore(db)
    for job in jobs:
        await store.put(job)


def _now(db: Database, work: Coroutine[Any, Any, None]) -> None:
    """Run start-up work on the database from synchronous code, closing the connections it opened
    on its loop. Called where a loop already runs (uvicorn builds each process's app inside its
    loop with --processes), the work gets a loop of its own in a thread: a loop cannot be nested."""

    async def run() -> None:
        try:
            await work
        finally:
            await db.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run())
        return
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()


def install_jobs_now(db: Database, jobs: list[JobDefinition]) -> None:
    _now(db, install_jobs(db, jobs))


async def apply_declared(db: Database, declared: list[DeclaredSchedule], queue_limits: dict[str, int | None] | None = None) -> None:
    """The jobs file's schedules made the declarative ones (runyard.service.RunService.apply_declared),
    and its queues' limits those of the file."""
    await RunService(db).apply_declared(declared)
    if queue_limits is not None:
        await QueueStore(db).apply_file(queue_limits)


def apply_declared_now(db: Database, declared: list[DeclaredSchedule], queue_limits: dict[str, int | None] | None = None) -> None:
    _now(db, apply_declared(db, declared, queue_limits))
