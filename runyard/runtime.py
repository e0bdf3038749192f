"""Start-up work shared by `runyard serve` and `runyard worker`: job definitions and the embedded worker."""

from __future__ import annotations

import asyncio
from pathlib import Path

from runyard import prompt_job
from runyard.jobs import JobDefinition, demo_job, load_jobs_file
from runyard.store.db import Database
from runyard.store.jobs import JobStore


def startup_jobs(jobs_file: Path | None) -> list[JobDefinition]:
    """The jobs file's definitions, plus the built-in `demo` and `praisonai` (the prompt job) unless the file defines its own."""
    jobs = load_jobs_file(jobs_file) if jobs_file is not None else []
    for builtin in (demo_job(), prompt_job.definition()):
        if all(job.name != builtin.name for job in jobs):
            jobs.append(builtin)
    return jobs


async def install_jobs(db: Database, jobs: list[JobDefinition]) -> None:
    store = JobStore(db)
    for job in jobs:
        await store.put(job)


def install_jobs_now(db: Database, jobs: list[JobDefinition]) -> None:
    """install_jobs from synchronous start-up code (before any server loop runs)."""

    async def run() -> None:
        try:
            await install_jobs(db, jobs)
        finally:
            await db.close()

    asyncio.run(run())
