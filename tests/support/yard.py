"""The app in-process over one database, and its rows changed directly as a worker would change them.

The /trigger and TrueFoundry API tests share one app per module and backend
(`open_store`); each test sees it through keys of its own (a "yard"). The
TrueFoundry SDK tests reach a live server instead, but change rows the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.web.app import create_app
from runyard.jobs import JobDefinition
from runyard.store.db import normalise_url
from runyard.store.schema import runs as runs_table
from runyard.timeutil import now_us

# The internal states a run ends in (runyard.domain.FINISHED_STATES).
FINISHED = {"succeeded", "failed", "timed_out", "crashed", "system_failure", "cancelled", "expired"}


@dataclass
class Store:
    """The app in-process over one database for the whole module."""

    client: TestClient
    url: str
    engine: sa.Engine


@contextlib.contextmanager
def open_store(url: str, jobs: list[JobDefinition] | None = None) -> Iterator[Store]:
    """The app over `url` (jobs: the built-in demo job unless given), a TestClient and a sync engine on the database."""
    app = create_app(url) if jobs is None else create_app(url, jobs=jobs)  # migrates the database (a no-op on a clone)
    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with TestClient(app) as client:
            yield Store(client, url, engine)
    finally:
        engine.dispose()


class Rows:
    """Reading and changing `runs` rows through `self.engine`, as a worker would.

    put_in_state gives a run that ran `ran_ms` milliseconds; `succeeded_result`
    is the result a succeeded run holds, and with `exit_codes` a finished run
    that ran holds an exit code (0 if it succeeded, else 1).
    """

    engine: sa.Engine
    ran_ms: ClassVar[int] = 2000
    succeeded_result: ClassVar[Any] = None
    exit_codes: ClassVar[bool] = False

    def set_row(self, run_id: str, **columns: Any) -> None:
        with self.engine.begin() as conn:
            assert conn.execute(runs_table.update().where(runs_table.c.id == run_id).values(**columns)).rowcount == 1

    def row(self, run_id: str) -> sa.Row:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(runs_table).where(runs_table.c.id == run_id)).one()

    def put_in_state(self, run_id: str, state: str) -> None:
        """Give a run the columns a worker leaves in this state."""
        now = now_us()
        ran = state in {"running", "cancelling", "retrying"} or (state in FINISHED and state not in {"cancelled", "expired"})
        columns: dict[str, Any] = {"state": state, "updated_at": now}
        if state == "delayed":
            columns["delayed_until"] = now + 3600 * 1_000_000
        if ran:
            columns.update(started_at=now - self.ran_ms * 1000, attempt=1)
        if state in FINISHED:
            columns["completed_at"] = now
            if ran:
                columns["duration_ms"] = self.ran_ms
                if self.exit_codes:
                    columns["exit_code"] = 0 if state == "succeeded" else 1
        if state == "succeeded" and self.succeeded_result is not None:
            columns["result"] = self.succeeded_result
        if state in FINISHED - {"succeeded"}:
            columns["error"] = f"the run {state}"
        self.set_row(run_id, **columns)
