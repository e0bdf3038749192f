"""The core's entry points for the API: one call per request, no HTTP in sight."""

from __future__ import annotations

from dataclasses import dataclass

from runyard.domain import NewRun, Page, Run, RunConflict, RunFilter
from runyard.store.db import Database
from runyard.store.runs import RunStore


@dataclass
class Submitted:
    run: Run
    created: bool


class RunService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.runs = RunStore(db)

    async def health(self) -> str:
        """The kind of store, after proving it answers a query."""
        await self.runs.ping()
        return self.db.kind

    async def submit(self, new: NewRun) -> Submitted:
        run, created = await self.runs.insert(new)
        return Submitted(run, created)

    async def status(self, run_id: str) -> Run:
        return await self.runs.get(run_id)

    async def list(self, flt: RunFilter, *, page: int, page_size: int) -> Page:
        return await self.runs.list_page(flt, offset=(page - 1) * page_size, limit=page_size)

    async def result(self, run_id: str) -> Run:
        run = await self.runs.get(run_id)
        if not run.state.finished:
            raise RunConflict(run, f"Job {run_id} has not finished yet ({run.state.value})")
        return run

    async def cancel(self, run_id: str) -> Run:
        return await self.runs.cancel(run_id)

    async def delete(self, run_id: str) -> None:
        await self.runs.delete(run_id)


def resolve_idempotency_key(header: str | None, body: str | None) -> str | None:
    """The key from the header or the body; the header wins when both are given."""
    return header if header is not None else body
