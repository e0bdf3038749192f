"""Idle open streams cost the store nothing, however many there are.

Each stream used to read its run every quarter second on a connection of its own: on PostgreSQL,
3,000 open streams ran the pool dry, cut streams, and failed the heartbeats of running runs. One
watcher per process now watches for every stream (runyard.watcher): told by the database on
PostgreSQL, looking at the file's times on SQLite, and reading a run only when it changed.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.domain import Run, RunState
from runyard.service import RunService
from runyard.store.db import normalise_url, open_database
from runyard.store.schema import runs as runs_table
from runyard.timeutil import now_us
from runyard.web.app import create_app
from tests.support.processes import Processes, finished_status, python_job, submit, write_jobs_file

STREAMS = 300


def _delayed_run(url: str) -> str:
    """A run that waits an hour before it may start (nothing executes it meanwhile)."""
    with TestClient(create_app(url)) as client:
        response = client.post("/api/v1/runs", json={"job": "demo", "delay": 3600})
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])


def _finish(url: str, run_id: str) -> None:
    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with engine.begin() as conn:
            now = now_us()
            conn.execute(runs_table.update().where(runs_table.c.id == run_id).values(state="succeeded", completed_at=now, updated_at=now))
    finally:
        engine.dispose()


async def _watch_many(url: str, run_id: str) -> tuple[int, list[Run]]:
    """STREAMS streams of one run for a second (statements counted), then the run finishes."""
    db = open_database(url, run_migrations=False)
    service = RunService(db)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    last: list[Run] = []

    async def consume(snapshots: Any) -> None:
        run = None
        async for run in snapshots:
            pass
        assert run is not None
        last.append(run)

    try:
        tasks = [asyncio.create_task(consume(await service.watch(run_id))) for _ in range(STREAMS)]
        await asyncio.sleep(0.3)
        statements.clear()
        await asyncio.sleep(1.0)
        in_one_second = len(statements)
        await asyncio.to_thread(_finish, url, run_id)
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        return in_one_second, last
    finally:
        await db.close()


def test_three_hundred_idle_streams_of_a_run_cost_no_statement_and_all_see_it_finish(database_url: str) -> None:
    run_id = _delayed_run(database_url)
    in_one_second, last = asyncio.run(_watch_many(database_url, run_id))
    # Each stream polling alone made 300 x 4 = 1,200 statements a second; one shared poll made 4.
    # SQLite's watcher looks at every run once every SAFETY_SECONDS (5 s) whatever the file says:
    # that look may fall in the measured second.
    print(f"{STREAMS} idle open streams of one run: {in_one_second} statements in one second")
    assert in_one_second <= (0 if database_url.startswith("postgresql") else 2), in_one_second
    assert len(last) == STREAMS
    assert {run.state for run in last} == {RunState.SUCCEEDED}


# --- 3,000 streams against a live server on PostgreSQL ----------------------------------------

QUICK = "print('::result 1', flush=True)"


async def _open_streams(base_url: str, run_ids: list[str], count: int) -> tuple[list[int], list[asyncio.Task[None]], httpx.AsyncClient]:
    """`count` native streams over the runs, each kept open; the statuses they answered."""
    client = httpx.AsyncClient(base_url=base_url, timeout=120, limits=httpx.Limits(max_connections=count + 50, max_keepalive_connections=0))
    statuses: list[int] = []
    opened = asyncio.Semaphore(0)
    # Clients arrive 50 at a time: 3,000 requests in the same instant would queue for the pool's
    # connections, and those still waiting after --store-wait get 503 (their Retry-After says when to come back).
    arriving = asyncio.Semaphore(50)

    async def stream(run_id: str) -> None:
        for _ in range(5):
            async with arriving:
                response = await client.send(client.build_request("GET", f"/api/v1/runs/{run_id}/stream"), stream=True)
            if response.status_code != 503:
                break
            # The first read of the run waited past --store-wait: come back after Retry-After, as the
            # contract tells a client to. (Under the whole suite's load in CI, 3 of 3,000 streams once
            # ended at once; which status they got was not recorded, and a 503 is the likely one.)
            await response.aclose()
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
        try:
            statuses.append(response.status_code)
            opened.release()
            async for _ in response.aiter_bytes():
                pass
        finally:
            await response.aclose()

    tasks = [asyncio.create_task(stream(run_ids[i % len(run_ids)])) for i in range(count)]
    for _ in range(count):
        await asyncio.wait_for(opened.acquire(), 120)
    return statuses, tasks, client


async def _health_times(base_url: str, seconds: float) -> list[float]:
    times = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            asked = time.monotonic()
            assert (await client.get("/health")).status_code == 200
            times.append(time.monotonic() - asked)
            await asyncio.sleep(0.02)
    return times


@pytest.mark.slow
def test_three_thousand_open_streams_on_postgresql_leave_runs_finishing_and_health_answering(pg_url: str, tmp_path: Path, procs: Processes) -> None:
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"quick": python_job(QUICK, timeout_seconds=60)})
    server = procs.server(pg_url, "serve", "--workers", "2", "--jobs", str(jobs))
    with httpx.Client(base_url=server.url, timeout=30) as client:
        delayed = [client.post("/api/v1/runs", json={"job": "quick", "delay": 3600}).json()["job_id"] for _ in range(30)]

    async def scenario() -> tuple[list[int], list[float], list[str]]:
        statuses, tasks, client = await _open_streams(server.url, delayed, 3000)
        try:
            runs = [await asyncio.to_thread(submit, server, "quick") for _ in range(20)]
            times = await _health_times(server.url, 3.0)
            for run_id in runs:
                assert (await asyncio.to_thread(finished_status, server, run_id, 60))["status"] == "succeeded"
            ended = [task for task in tasks if task.done()]
            assert not ended, f"{len(ended)} stream(s) ended while their runs waited: {[repr(t.exception()) for t in ended[:3]]}"
            return statuses, times, runs
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await client.aclose()

    statuses, times, _runs = asyncio.run(scenario())
    assert statuses == [200] * 3000
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(f"3,000 open streams on PostgreSQL: /health p99 {p99 * 1000:.1f} ms over {len(times)} requests")  # the figure docs/reliability.md quotes
    # The target (p99 under 50 ms) is the benchmark's, on a quiet machine (README, Benchmarks: 4.8 ms).
    # Here the server shares two cores with the rest of the suite and the 20 runs it executes: the
    # check is that it never stalls (it took 3.6 s once under the full suite's load).
    assert p99 < 5.0, f"p99 {p99:.3f} s"
    log = procs.log("serve")
    assert "heartbeat failed" not in log and "Traceback" not in log, log[-3000:]
