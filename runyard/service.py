"""The core's entry points for the API: one call per request, no HTTP in sight."""

from __future__ import annotations

from dataclasses import dataclass

import asyncio
import dataclasses
from collections.abc import AsyncIterator

from runyard.domain import Cursor, NewRun, Page, Run, RunConflict, RunFilter, RunNotFound, Window
from runyard.jobs import JobDefinition
from runyard.store.db import Database
from runyard.store.jobs import JobNotFound, JobStore, StoredJob
from runyard.store.keys import Environment, KeyStore
from runyard.store.runs import RunStore

__all__ = ["JobNotFound", "RunService", "Submitted"]


@dataclass
class Submitted:
    run: Run
    created: bool


class RunService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.runs = RunStore(db)
        self.jobs = JobStore(db)
        self.keys = KeyStore(db)

    async def health(self) -> str:
        """The kind of store, after proving it answers a query."""
        await self.runs.ping()
        return self.db.kind

    async def submit(self, new: NewRun) -> Submitted:
        """Store a run of a defined job (JobNotFound otherwise, and nothing is stored)."""
        job = await self.jobs.get(new.job_name)
        new = dataclasses.replace(new, job_version=job.version, max_attempts=new.max_attempts or job.definition.max_attempts)
        run, created = await self.runs.insert(new)
        return Submitted(run, created)

    async def authenticate(self, secret: str) -> Environment | None:
        return await self.keys.authenticate(secret)

    async def run_in_environment(self, run_id: str, env_id: str) -> Run:
        """A run of this environment; another environment's run is not found, as if it did not exist."""
        run = await self.runs.get(run_id)
        if run.env_id != env_id:
            raise RunNotFound(run_id)
        return run

    async def window(self, flt: RunFilter, *, limit: int, after: Cursor | None = None, before: Cursor | None = None) -> Window:
        return await self.runs.window(flt, limit=limit, after=after, before=before)

    async def cancel_if_unfinished(self, run_id: str, env_id: str) -> Run:
        """Cancel unless already finished, in which case nothing changes."""
        await self.run_in_environment(run_id, env_id)
        try:
            return await self.runs.cancel(run_id)
        except RunConflict as exc:
            return exc.run

    async def put_job(self, job: JobDefinition) -> tuple[StoredJob, bool]:
        return await self.jobs.put(job)

    async def get_job(self, name: str) -> StoredJob:
        return await self.jobs.get(name)

    async def list_jobs(self) -> list[StoredJob]:
        return await self.jobs.list()

    async def delete_job(self, name: str) -> None:
        await self.jobs.delete(name)

    async def status(self, run_id: str) -> Run:
        return await self.runs.get(run_id)

    async def list(self, flt: RunFilter, *, page: int, page_size: int) -> Page:
        return await self.runs.list_page(flt, offset=(page - 1) * page_size, limit=page_size)

    async def result(self, run_id: str) -> Run:
        run = await self.runs.get(run_id)
        if not run.state.finished:
            raise RunConflict(run, f"Job {run_id} has not finished yet ({run.state.value})")
        return run

    async def watch(self, run_id: str, interval: float = 0.25) -> AsyncIterator[Run]:
        """Snapshots of a run every `interval` seconds until it has finished or is deleted."""
        while True:
            try:
                run = await self.runs.get(run_id)
            except RunNotFound:
                return
            yield run
            if run.state.finished:
                return
            await asyncio.sleep(interval)

    async def cancel(self, run_id: str) -> Run:
        return await self.runs.cancel(run_id)

    async def delete(self, run_id: str) -> None:
        await self.runs.delete(run_id)


def resolve_idempotency_key(header: str | None, body: str | None) -> str | None:
    """The key from the header or the body; the header wins when both are given."""
    return header if header is not None else body
