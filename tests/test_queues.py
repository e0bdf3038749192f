"""Queues and concurrency keys: at most a queue's limit of its runs run at once in an environment,
or of one concurrency key within it, across every worker; the limit comes from the jobs file or
from a trigger's queue option (SDK 3.x's concurrencyLimit), which never overrides the file's."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import httpx
import pytest

from runyard.domain import NewRun
from runyard.jobs import demo_job
from runyard.runtime import install_jobs
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.store.queue import RunQueue
from runyard.store.queues import QueueStore
from runyard.timeutil import now_us
from tests.support.keys import with_key_store
from tests.support.processes import Processes, python_job, write_jobs_file
from tests.support.waiting import wait_for


def _claims(url: str, runs: list[NewRun], limits: dict[str, int | None], claims: int) -> list[str | None]:
    async def scenario() -> list[str | None]:
        db = open_database(url, run_migrations=False)
        try:
            await QueueStore(db).apply_file(limits)
            await install_jobs(db, [demo_job()])
            service = RunService(db)
            env = await service.default_environment()
            for new in runs:
                await service.submit(_in(new, env.id))
            queue = RunQueue(db)
            taken = [await queue.claim(f"w{i}", now_us(), 30) for i in range(claims)]
            return [run.concurrency_key or run.queue_name if run else None for run in taken]
        finally:
            await db.close()

    return asyncio.run(scenario())


def _in(new: NewRun, env_id: str) -> NewRun:
    import dataclasses

    return new if new.env_id else dataclasses.replace(new, env_id=env_id)


def test_a_queue_runs_at_most_its_limit_at_once(database_url: str) -> None:
    runs = [NewRun(job_name="demo", queue_name="reports") for _ in range(3)]
    assert _claims(database_url, runs, {"reports": 2}, 3) == ["reports", "reports", None]


def test_each_concurrency_key_has_the_queues_limit_of_its_own(database_url: str) -> None:
    runs = [NewRun(job_name="demo", queue_name="per-user", concurrency_key=key) for key in ("u1", "u1", "u2", "u2")]
    taken = _claims(database_url, runs, {"per-user": 1}, 4)
    assert sorted(filter(None, taken)) == ["u1", "u2"] and taken.count(None) == 2


def test_a_queue_without_a_limit_limits_nothing(database_url: str) -> None:
    runs = [NewRun(job_name="demo", queue_name="free") for _ in range(3)]
    assert _claims(database_url, runs, {}, 3) == ["free", "free", "free"]


def test_a_triggers_limit_applies_unless_the_jobs_file_sets_the_queue(sqlite_url: str) -> None:
    async def scenario() -> tuple[int | None, int | None]:
        db = open_database(sqlite_url, run_migrations=False)
        try:
            store = QueueStore(db)
            await store.apply_file({"filed": 3})
            await store.set_from_trigger("filed", 1)
            await store.set_from_trigger("adhoc", 1)
            return await store.limit("filed"), await store.limit("adhoc")
        finally:
            await db.close()

    assert asyncio.run(scenario()) == (3, 1)


def test_servers_and_workers_applying_the_same_jobs_file_at_once_each_succeed(pg_url: str) -> None:
    """Every `runyard serve` and `runyard worker --jobs` applies the file's queues as it starts; on
    PostgreSQL three of them at once made one's insert of the same queue a unique violation (and
    that worker exited). Each apply now inserts or updates the queue's row in one statement."""

    async def scenario() -> tuple[list[object], int | None]:
        db = open_database(pg_url, run_migrations=False)
        try:
            stores = [QueueStore(db) for _ in range(6)]
            applied = await asyncio.gather(*(store.apply_file({"narrow": 1, "wide": 4}) for store in stores), return_exceptions=True)
            return applied, await stores[0].limit("narrow")
        finally:
            await db.close()

    applied, limit = asyncio.run(scenario())
    assert applied == [None] * 6
    assert limit == 1


SPAN = """\
import fcntl, os, time
with open(os.environ["SPANS"], "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX); f.write(f"start {time.time()}\\n"); f.flush(); fcntl.flock(f, fcntl.LOCK_UN)
time.sleep(0.8)
with open(os.environ["SPANS"], "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX); f.write(f"end {time.time()}\\n"); f.flush(); fcntl.flock(f, fcntl.LOCK_UN)
"""


@pytest.mark.slow
def test_a_queue_limit_of_two_is_never_exceeded_by_three_workers_on_postgresql(pg_url: str, tmp_path: Path, procs: Processes) -> None:
    spans = tmp_path / "spans.txt"
    spans.touch()
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"slow": python_job(SPAN, env={"SPANS": str(spans)}, timeout_seconds=60)})
    jobs.write_text(jobs.read_text() + "\n[queues.narrow]\nconcurrency_limit = 2\n")
    server = procs.server(pg_url, "serve", "--workers", "0", "--jobs", str(jobs))
    workers = [procs.worker(pg_url, f"worker-{i}", "--jobs", str(jobs), "--concurrency", "3") for i in range(3)]
    for i in range(3):
        wait_for(lambda i=i: "runyard worker on" in procs.log(f"worker-{i}"), 30, f"worker-{i} to start")
    _, secret = with_key_store(pg_url, lambda store: store.create_key("dev"))
    with httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {secret}"}) as client:
        ids = []
        for i in range(10):
            answer = client.post("/trigger/api/v1/tasks/slow/trigger", json={"payload": {"i": i}, "options": {"queue": {"name": "narrow"}}})
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])

        def finished() -> bool:
            assert all(w.poll() is None for w in workers), "a worker exited"
            return all(client.get(f"/trigger/api/v3/runs/{run_id}").json()["status"] == "COMPLETED" for run_id in ids)

        wait_for(finished, 90, "10 runs to complete", interval=0.5)
    events = sorted((float(stamp), kind) for kind, stamp in (line.split() for line in spans.read_text().splitlines()))
    running = list(itertools.accumulate(1 if kind == "start" else -1 for _, kind in events))
    assert len(events) == 20 and max(running) == 2, f"at most 2 at once, saw {max(running)}"


def test_a_triggers_concurrency_limit_becomes_its_queues_once_the_run_is_stored(sqlite_url: str) -> None:
    from starlette.testclient import TestClient

    from runyard.web.app import create_app

    _, secret = with_key_store(sqlite_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(sqlite_url, worker=None), headers={"Authorization": f"Bearer {secret}"}) as client:
        refused = client.post("/trigger/api/v1/tasks/no-such-task/trigger", json={"payload": {}, "options": {"queue": {"name": "adhoc", "concurrencyLimit": 1}}})
        assert refused.status_code == 404
        assert _limit(sqlite_url, "adhoc") is None  # nothing of a refused trigger is kept
        made = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {}, "options": {"queue": {"name": "adhoc", "concurrencyLimit": 1}}})
        assert made.status_code == 200
    assert _limit(sqlite_url, "adhoc") == 1


def _limit(url: str, name: str) -> int | None:
    async def read() -> int | None:
        db = open_database(url, run_migrations=False)
        try:
            return await QueueStore(db).limit(name)
        finally:
            await db.close()

    return asyncio.run(read())
