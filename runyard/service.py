"""The core's entry points for the API: one call per request, no HTTP in sight."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass

from runyard.domain import Cursor, NewRun, Page, Run, RunConflict, RunFilter, RunNotFound, Window
from runyard.jobs import JobDefinition
from runyard.store.db import Database
from runyard.store.jobs import JobNotFound, JobStore, StoredJob
from runyard.store.keys import Credential, Environment, KeyStore
from runyard.store.runs import RunStore

__all__ = ["JobForbidden", "JobNotFound", "RunService", "Submitted"]


class JobForbidden(PermissionError):
    """The caller's environment may not see this job."""

    def __init__(self, job: StoredJob, environment: Environment) -> None:
        super().__init__(f"The {environment.name} environment may not access job {job.name!r}")


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
        definition = job.definition
        if new.job_version is not None and new.job_version != job.version:
            definition = await self.jobs.get_version(job.name, new.job_version)  # JobNotFound for a version that never was
        new = dataclasses.replace(new, job_version=new.job_version or job.version, max_attempts=new.max_attempts or definition.max_attempts)
        run, created = await self.runs.insert(new)
        return Submitted(run, created)

    async def authenticate(self, secret: str) -> Credential | None:
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

    async def visible_job(self, reference: str, environment: Environment) -> StoredJob:
        """A job by id or name, if this environment may see it (JobNotFound, JobForbidden)."""
        job = await self.jobs.get_by_reference(reference)
        allowed = job.definition.environments
        if allowed is not None and environment.name not in allowed:
            raise JobForbidden(job, environment)
        return job

    async def job_runs(
        self, job: StoredJob, flt: RunFilter, *, offset: int, limit: int, sort: str | None, descending: bool
    ) -> tuple[list[Run], int]:
        return await self.runs.list_full_page(dataclasses.replace(flt, job_name=job.name), offset=offset, limit=limit, sort=sort, descending=descending)

    async def job_run(self, job: StoredJob, env_id: str, name_or_id: str) -> Run:
        """A run of the job in the environment, by its name or its id."""
        try:
            run = await self.runs.get_by_name(job.name, name_or_id)
        except RunNotFound:
            run = await self.runs.get(name_or_id)
        if run.job_name != job.name or run.env_id != env_id:
            raise RunNotFound(name_or_id)
        return run

    async def commands(self, runs: list[Run]) -> dict[str, list[str]]:
        """The argv each run executes (its override, or its job version's command)."""
        definitions: dict[tuple[str, int], list[str]] = {}
        commands = {}
        for run in runs:
            if run.command_override:
                commands[run.id] = list(run.command_override)
                continue
            key = (run.job_name, run.job_version or 0)
            if key not in definitions:
                try:
                    definitions[key] = (await self.jobs.get_version(*key)).argv()
                except JobNotFound:
                    definitions[key] = []
            commands[run.id] = definitions[key]
        return commands

    async def delete_run(self, run: Run) -> None:
        await self.runs.delete(run.id)

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
