"""Retention: finished runs past their job's retention (its own `retention_days`, else the server's
`--retention-days`) are deleted in the background, in small batches, as a delete through the API
would delete them; never a run that is waiting or held by a worker.

Runs are stored through the RunStore and then given the state and completion time a worker would
have left (`Yard.finished`), so a test says exactly how long ago each run finished.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.domain import FINISHED_STATES, JobDefinition, NewRun, Run, RunState, StoreUnavailable
from runyard.domain.retention import DAY_US
from runyard.jobs import InvalidJob, load_jobs_file
from runyard.service import RunService
from runyard.store.counts import RunCounts
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.retention import Deleted, RunRetention
from runyard.store.schema import bulk_action_runs, run_tags, runs, webhook_deliveries
from runyard.timeutil import now_us
from runyard.web import app as app_module
from runyard.web.app import Runs, create_app
from tests.support.servers import start_server, stop_server
from tests.support.waiting import wait_for

T = TypeVar("T")
HOUR_US = 3_600 * 1_000_000


@dataclass
class Yard:
    """A migrated database, its service, and a loop to drive them on."""

    db: Database
    service: RunService
    loop: asyncio.AbstractEventLoop

    def call(self, awaitable: Awaitable[T]) -> T:
        return self.loop.run_until_complete(awaitable)

    def run(self, job: str = "work", state: RunState = RunState.QUEUED, **fields: Any) -> Run:
        run, _ = self.call(self.service.runs.insert(NewRun(job, **fields)))
        if state is not RunState.QUEUED:
            self.set(run.id, state=state.value)
        return run

    def finished(self, job: str = "work", *, days_ago: float, state: RunState = RunState.SUCCEEDED, **fields: Any) -> Run:
        """A run of `job` that ended in `state` `days_ago` days ago."""
        run = self.run(job, **fields)
        self.set(run.id, state=state.value, completed_at=now_us() - int(days_ago * DAY_US))
        return run

    def set(self, run_id: str, **columns: Any) -> None:
        async def update() -> None:
            async with self.db.engine.begin() as conn:
                await conn.execute(runs.update().where(runs.c.id == run_id).values(**columns))

        self.call(update())

    def define(self, name: str, retention_days: int | None) -> None:
        self.call(JobStore(self.db).put(JobDefinition(name=name, command=("true",), retention_days=retention_days)))

    def ids(self) -> set[str]:
        return set(self.scalars(sa.select(runs.c.id)))

    def scalars(self, query: sa.Select[Any]) -> list[Any]:
        async def read() -> list[Any]:
            async with self.db.engine.connect() as conn:
                return list((await conn.execute(query)).scalars())

        return self.call(read())

    def retain(self, server_days: int | None, **options: Any) -> int:
        return self.call(self.service.apply_retention(server_days, **options))


@pytest.fixture
def yard(database_url: str) -> Iterator[Yard]:
    db = open_database(database_url, run_migrations=False)  # a clone of the migrated template
    loop = asyncio.new_event_loop()
    try:
        yield Yard(db, RunService(db), loop)
    finally:
        loop.run_until_complete(db.close())
        loop.close()


def test_a_pass_deletes_the_finished_runs_that_ended_before_the_cut_off_and_nothing_else(yard: Yard) -> None:
    old = {yard.finished(days_ago=8, state=state).id for state in FINISHED_STATES}
    recent = {yard.finished(days_ago=6, state=state).id for state in FINISHED_STATES}
    waiting = {yard.run(state=state).id for state in (RunState.QUEUED, RunState.DELAYED, RunState.RETRYING)}

    assert yard.retain(7) == len(old) == 7
    assert yard.ids() == recent | waiting


def test_a_run_a_worker_holds_or_that_waits_is_never_deleted_whatever_its_completion_time(yard: Yard) -> None:
    """Only a finished state is deleted: the DELETE says so itself, so even a row with a stray old
    completion time (running again, held by a worker) stays."""
    kept = set()
    for state in (RunState.RUNNING, RunState.CANCELLING, RunState.QUEUED, RunState.RETRYING, RunState.DELAYED):
        run = yard.run(state=state)
        yard.set(run.id, completed_at=now_us() - 30 * DAY_US, lease_owner="w1" if state in (RunState.RUNNING, RunState.CANCELLING) else None)
        kept.add(run.id)

    assert yard.retain(1) == 0
    assert yard.ids() == kept


def test_a_jobs_own_retention_days_overrides_the_servers(yard: Yard) -> None:
    yard.define("keeps-a-month", 30)
    yard.define("follows-the-server", None)
    month_old = yard.finished("keeps-a-month", days_ago=31)
    ten_days_old = yard.finished("keeps-a-month", days_ago=10)
    server_old = yard.finished("follows-the-server", days_ago=8)

    assert yard.retain(7) == 2
    assert yard.ids() == {ten_days_old.id}
    assert month_old.id not in yard.ids() and server_old.id not in yard.ids()


def test_a_job_with_retention_days_0_keeps_its_runs_forever_whatever_the_server_says(yard: Yard) -> None:
    yard.define("forever", 0)
    kept = yard.finished("forever", days_ago=3_650)
    gone = yard.finished("other", days_ago=8)

    assert yard.retain(7) == 1
    assert yard.ids() == {kept.id}
    assert gone.id not in yard.ids()


def test_without_a_server_setting_only_jobs_with_their_own_retention_lose_runs(yard: Yard) -> None:
    yard.define("weekly", 7)
    gone = yard.finished("weekly", days_ago=8)
    kept = yard.finished("undefined-job", days_ago=3_650)

    assert yard.retain(None) == 1
    assert yard.ids() == {kept.id}
    assert gone.id not in yard.ids()


def test_the_kept_counts_match_a_count_of_the_runs_after_a_pass_before_and_after_folding(yard: Yard) -> None:
    for i, state in enumerate(sorted(FINISHED_STATES) * 3):
        yard.finished(days_ago=8 if i % 2 else 1, state=state, idempotency_key=f"key-{i}" if i % 3 == 0 else None)
    yard.run(state=RunState.RUNNING)
    yard.run()
    counts = RunCounts(yard.db)
    yard.call(counts.fold())

    assert yard.retain(7) > 0

    def counted() -> tuple[dict[str, int], int]:
        """What a COUNT over the runs says: runs by state, and how many hold an idempotency key."""
        states = yard.scalars(sa.select(runs.c.state))
        keyed = len(yard.scalars(sa.select(runs.c.id).where(runs.c.idempotency_key.is_not(None))))
        return {state: states.count(state) for state in set(states)}, keyed

    kept = yard.call(counts.counts())
    assert (kept.by_state, kept.keyed) == counted()
    yard.call(counts.fold())
    folded = yard.call(counts.counts())
    assert (folded.by_state, folded.keyed) == counted()


def test_a_deleted_runs_tags_webhook_delivery_and_bulk_action_rows_go_with_it_as_through_the_api(yard: Yard) -> None:
    """Retention leaves the store as a delete through the API does: nothing of the run behind."""
    by_retention = yard.finished(days_ago=8, tags=("nightly", "eu"), webhook_url="https://example.com/hook")
    by_api = yard.finished(days_ago=1, tags=("nightly",), webhook_url="https://example.com/hook")
    kept = yard.finished(days_ago=1, tags=("nightly",), webhook_url="https://example.com/hook")

    async def bulk_rows() -> None:
        async with yard.db.engine.begin() as conn:
            await conn.execute(bulk_action_runs.insert(), [{"bulk_id": "bulk_1", "run_id": run.id, "env_id": None} for run in (by_retention, by_api, kept)])

    yard.call(bulk_rows())

    yard.call(yard.service.delete(by_api.id))
    assert yard.retain(7) == 1

    for table in (run_tags, webhook_deliveries, bulk_action_runs):
        assert set(yard.scalars(sa.select(table.c.run_id))) == {kept.id}, table.name


def test_a_pass_over_twelve_old_runs_with_batches_of_five_takes_three_transactions(yard: Yard, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(12):
        yard.finished(days_ago=8)
    batches: list[Deleted] = []
    delete_batch = yard.service.retention.delete_batch

    async def counted(*args: Any, **kwargs: Any) -> Deleted:
        batches.append(await delete_batch(*args, **kwargs))
        return batches[-1]

    monkeypatch.setattr(yard.service.retention, "delete_batch", counted)

    assert yard.retain(7, batch_size=5) == 12
    assert [batch.runs for batch in batches] == [5, 5, 2]
    assert yard.ids() == set()


def test_each_batch_after_the_first_starts_where_the_previous_one_stopped(yard: Yard) -> None:
    """The pass's position (the latest completion time deleted) bounds the next batch from below, so
    a batch never reads the entries earlier batches left in the index (PostgreSQL's dead tuples)."""
    for day in range(20, 8, -1):
        yard.finished(days_ago=day)
    retention = RunRetention(yard.db)
    cut = now_us() - 7 * DAY_US

    first = yard.call(retention.delete_batch("work", cut, since=None, limit=5))
    assert first.runs == 5 and first.last_completed_at is not None
    second = yard.call(retention.delete_batch("work", cut, since=first.last_completed_at, limit=5))
    assert second.runs == 5 and second.last_completed_at is not None and second.last_completed_at > first.last_completed_at
    assert len(yard.ids()) == 2


def test_a_batch_is_chosen_through_the_retention_index_not_by_reading_the_table(yard: Yard) -> None:
    """EXPLAIN of the selection of a batch on 3,000 runs of 3 jobs, after ANALYZE: the runs are found
    through ix_runs_job_completed (SQLite SEARCHes it and never SCANs runs; PostgreSQL has no Seq
    Scan). The DELETE then takes those ids by primary key, on a table of any size worth the name
    (on 3,000 rows PostgreSQL may rather hash-join a scan of them; bench/retention prints the whole
    statement's plan on the seeded store)."""

    async def seed() -> None:
        async with yard.db.engine.begin() as conn:
            now = now_us()
            rows = [
                {
                    "id": f"run_seed_{i:06d}",
                    "job_name": f"job-{i % 3}",
                    "state": "succeeded" if i % 4 else "queued",
                    "tags": [],
                    "created_at": now - (3_000 - i) * HOUR_US,
                    "updated_at": now,
                    "completed_at": now - (3_000 - i) * HOUR_US if i % 4 else None,
                    "attempt": 1,
                    "max_attempts": 1,
                    "progress_percentage": 100.0,
                }
                for i in range(3_000)
            ]
            await conn.execute(runs.insert(), rows)
        async with yard.db.engine.begin() as conn:
            await conn.execute(sa.text("ANALYZE"))

    async def plan() -> str:
        """The plan of the statement a batch sends (EXPLAIN without ANALYZE runs nothing)."""
        statement = RunRetention(yard.db).chosen("job-1", now_us() - 30 * DAY_US, now_us() - 60 * DAY_US, 500)
        sql = str(statement.compile(dialect=yard.db.engine.sync_engine.dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if yard.db.kind == "sqlite" else "EXPLAIN "
        async with yard.db.engine.connect() as conn:
            rows = (await conn.exec_driver_sql(prefix + sql)).all()
        return "\n".join(str(row[-1]) for row in rows)

    yard.call(seed())
    found = yard.call(plan())
    assert "ix_runs_job_completed" in found, found
    if yard.db.kind == "sqlite":
        assert "SCAN runs" not in found, found
    else:
        assert "Seq Scan" not in found, found


def test_two_passes_at_once_on_postgresql_delete_each_run_once_without_waiting_on_each_other(pg_url: str) -> None:
    """Two servers' passes on one database, batch by batch at the same moment: SKIP LOCKED gives each
    batch runs no other has taken, so the two totals add up to the runs there were, exactly, and the
    kept counts agree with a count."""

    async def scenario() -> tuple[list[int], int, dict[str, int]]:
        seeding, first, second = (open_database(pg_url, run_migrations=False) for _ in range(3))
        try:
            async with seeding.engine.begin() as conn:
                await conn.execute(runs.insert(), _old_runs(600, jobs=2))
            totals = await asyncio.gather(*(RunService(db).apply_retention(7, batch_size=20) for db in (first, second)))
            async with seeding.engine.connect() as conn:
                left = (await conn.execute(sa.select(sa.func.count()).select_from(runs))).scalar_one()
            counted = (await RunCounts(seeding).counts()).by_state
            return list(totals), left, counted
        finally:
            for db in (seeding, first, second):
                await db.close()

    totals, left, counted = asyncio.run(scenario())
    assert sum(totals) == 600 and left == 0
    assert counted == {}


def _old_runs(n: int, *, jobs: int = 1) -> list[dict[str, Any]]:
    """Rows of `n` runs that succeeded eight days ago (a microsecond apart), over `jobs` jobs."""
    now = now_us()
    return [
        {
            "id": f"run_old_{i:06d}",
            "job_name": f"job-{i % jobs}",
            "state": "succeeded",
            "tags": [],
            "created_at": now - 9 * DAY_US,
            "updated_at": now,
            "completed_at": now - 8 * DAY_US + i,
            "attempt": 1,
            "max_attempts": 1,
            "progress_percentage": 100.0,
        }
        for i in range(n)
    ]


def test_a_run_another_transaction_has_locked_on_postgresql_is_skipped_not_waited_for_and_goes_at_the_next_pass(pg_url: str) -> None:
    """While a transaction holds 100 of 600 old runs (as a metadata change would hold one), a pass
    whose lock_timeout is 0.2 s deletes the other 500 without waiting; the next pass takes the 100."""

    async def scenario() -> tuple[int, int, int]:
        holder = open_database(pg_url, run_migrations=False)
        impatient = open_database(pg_url, run_migrations=False, wait_seconds=0.2)
        try:
            async with holder.engine.begin() as conn:
                await conn.execute(runs.insert(), _old_runs(600))
            async with holder.engine.begin() as conn:
                # The hundred in the middle (FOR UPDATE beside OFFSET would lock the skipped rows too).
                middle = sa.select(runs.c.id).order_by(runs.c.completed_at).offset(250).limit(100)
                locked = sa.select(runs.c.id).where(runs.c.id.in_(middle)).with_for_update()
                assert len((await conn.execute(locked)).all()) == 100
                first = await RunService(impatient).apply_retention(7, batch_size=50)
            second = await RunService(impatient).apply_retention(7, batch_size=50)
            async with holder.engine.connect() as conn:
                left = (await conn.execute(sa.select(sa.func.count()).select_from(runs))).scalar_one()
            return first, second, left
        finally:
            await holder.close()
            await impatient.close()

    assert asyncio.run(scenario()) == (500, 100, 0)


def test_on_sqlite_a_batch_runs_off_the_event_loop(sqlite_url: str) -> None:
    """The DELETE runs in a worker thread (InlineEngine.write_in_thread): the server's loop, which
    runs every other statement inline, goes on answering while the batch holds the write lock."""

    async def scenario() -> tuple[set[int], int]:
        db = open_database(sqlite_url, run_migrations=False)
        threads: set[int] = set()

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("DELETE FROM runs"):
                threads.add(threading.get_ident())

        try:
            async with db.engine.begin() as conn:
                await conn.execute(runs.insert(), _old_runs(30))
            sa.event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
            assert await RunService(db).apply_retention(7, batch_size=10) == 30
            return threads, threading.get_ident()
        finally:
            await db.close()

    threads, loop_thread = asyncio.run(scenario())
    assert threads and loop_thread not in threads


def test_a_jobs_file_sets_a_jobs_retention_days_and_refuses_a_negative_one(tmp_path: Path) -> None:
    good = tmp_path / "runyard.toml"
    good.write_text('[jobs.report]\ncommand = ["true"]\nretention_days = 30\n\n[jobs.keep]\ncommand = ["true"]\nretention_days = 0\n')
    assert {job.name: job.retention_days for job in load_jobs_file(good)} == {"report": 30, "keep": 0}
    bad = tmp_path / "bad.toml"
    bad.write_text('[jobs.report]\ncommand = ["true"]\nretention_days = -1\n')
    with pytest.raises(InvalidJob, match="report.*retention_days"):
        load_jobs_file(bad)


def test_a_job_without_retention_days_is_stored_as_before_so_its_version_does_not_change() -> None:
    """The definition leaves the field out unless it is set: jobs stored before it existed compare equal."""
    assert "retention_days" not in JobDefinition(name="j", command=("true",)).to_data()
    assert JobDefinition(name="j", command=("true",), retention_days=30).to_data()["retention_days"] == 30


def test_the_native_api_shows_a_jobs_retention_days(database_url: str) -> None:
    with TestClient(create_app(database_url, worker=None, background=False)) as client:
        put = client.put("/api/v1/jobs/report", json={"command": ["true"], "retention_days": 30})
        assert put.status_code == 201 and put.json()["retention_days"] == 30
        assert client.put("/api/v1/jobs/plain", json={"command": ["true"]}).json()["retention_days"] is None
        assert client.put("/api/v1/jobs/bad", json={"command": ["true"], "retention_days": -1}).status_code == 400


def test_a_server_with_retention_days_deletes_old_finished_runs_in_the_background_and_logs_the_pass(
    yard: Yard, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    old = [yard.finished(days_ago=8) for _ in range(3)]
    recent = yard.finished(days_ago=1)
    caplog.set_level(logging.INFO, logger="runyard")
    with TestClient(create_app(database_url, worker=None, runs=Runs(retention_days=7))) as client:
        wait_for(lambda: all(client.get(f"/api/v1/runs/{run.id}").status_code == 404 for run in old), 10, "the old runs to go")
        assert client.get(f"/api/v1/runs/{recent.id}").status_code == 200
    passes = [r for r in caplog.records if r.name == "runyard.service" and r.getMessage().startswith("retention: deleted 3 ")]
    assert len(passes) == 1 and passes[0].levelno == logging.INFO, [r.getMessage() for r in caplog.records]


def test_a_store_failure_during_a_pass_is_logged_and_the_next_pass_goes_on(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[int | None] = []

    async def flaky(self: RunService, server_days: int | None, **_: Any) -> int:
        calls.append(server_days)
        if len(calls) == 1:
            raise StoreUnavailable("The database's write lock has been held by another process for 2 s; try again shortly")
        return 0

    monkeypatch.setattr(RunService, "apply_retention", flaky)
    monkeypatch.setattr(app_module, "RETENTION_INTERVAL_SECONDS", 0.05)
    with TestClient(create_app(database_url, worker=None, runs=Runs(retention_days=7))) as client:
        wait_for(lambda: len(calls) >= 2, 10, "a second pass")
        assert client.get("/health").status_code == 200
    assert any(r.levelno == logging.WARNING and r.getMessage().startswith("retention: The database's write lock") for r in caplog.records)


@pytest.mark.slow  # a real `runyard serve` process
def test_runyard_serve_with_retention_days_deletes_old_runs_and_logs_each_pass_at_info(sqlite_url: str, tmp_path: Path) -> None:
    db = open_database(sqlite_url, run_migrations=False)
    loop = asyncio.new_event_loop()
    seeded = Yard(db, RunService(db), loop)
    try:
        old = [seeded.finished(days_ago=8) for _ in range(4)]
        recent = seeded.finished(days_ago=6)
    finally:
        loop.run_until_complete(db.close())
        loop.close()
    log = tmp_path / "server.log"
    server = start_server(sqlite_url, log, "--workers", "0", "--retention-days", "7", "--log-level", "info")
    try:
        wait_for(lambda: all(httpx.get(f"{server.url}/api/v1/runs/{run.id}").status_code == 404 for run in old), 15, "the old runs to go")
        assert httpx.get(f"{server.url}/api/v1/runs/{recent.id}").status_code == 200
        wait_for(lambda: "retention: deleted 4 finished run(s)" in log.read_text(), 5, "the pass's log line")
    finally:
        stop_server(server)
    assert "INFO runyard.service: retention: deleted 4 finished run(s) past their retention" in log.read_text()


def test_retention_days_below_0_is_refused_by_the_cli() -> None:
    from typer.testing import CliRunner

    from runyard.cli import app

    done = CliRunner().invoke(app, ["serve", "--retention-days", "-1"])
    assert done.exit_code == 2 and "retention-days" in done.output

