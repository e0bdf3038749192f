"""A run's attempts, as the triggers of migration 0016 keep them (the executor writes none of it)."""

from __future__ import annotations

from runyard.domain.runs import Attempt, RunState
from runyard.store.db import Database

_OF_RUN = "SELECT number, started_at, worker_id, ended_at, state, exit_code, error FROM run_attempts WHERE run_id = ? ORDER BY number"


class AttemptStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def of_run(self, run_id: str) -> list[Attempt]:
        """Every recorded attempt of a run, first to last (none for an unknown run)."""
        rows = await self._db.hot.all(_OF_RUN, (run_id,))
        return [
            Attempt(number, started_at, worker_id, ended_at, RunState(state) if state is not None else None, exit_code, error)
            for number, started_at, worker_id, ended_at, state, exit_code, error in rows
        ]
