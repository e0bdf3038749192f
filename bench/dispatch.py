"""Dispatch latency: how long idle embedded workers take to start a run submitted to them.

`runyard serve --workers W` with the `true` job; N runs submitted one at a time (native
POST /api/v1/runs), each after the last answer and a random pause of 0.1-0.3 s: the workers are
idle by then, and the submits fall at random points of their poll cycle (a fixed pause could
lock onto it and show one phase only). The latency of a run is its `started_at` minus its
`created_at` as runyard stored them: both from the server's clock, created_at when the submit
made the row, started_at when a worker claimed it. They are read from the database once every
run finished, so nothing asks the server anything while a run waits to start.

The floor is the store alone with nothing between submit and claim: in one process (sqlite3 or
psycopg, no pool), an INSERT of a queued row, committed, then the one UPDATE ... RETURNING that
claims it, committed; timed from before the INSERT to after the claim. It runs before the server
starts, in a table of its own that it drops afterwards.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

from bench import runs as runs_mod
from bench import servers
from bench.client import Connection
from bench.loadgen import percentile
from runyard.timeutil import now_us

PAUSE_S = (0.1, 0.3)


def _ms_summary(values_ms: list[float]) -> dict[str, float | int | None]:
    ordered = sorted(values_ms)

    def pick(p: float) -> float | None:
        value = percentile(ordered, p)
        return None if value is None else round(value, 2)

    return {"n": len(ordered), "p50_ms": pick(50), "p90_ms": pick(90), "p99_ms": pick(99), "max_ms": round(ordered[-1], 2) if ordered else None}


async def _one_at_a_time(port: int, count: int, rng: random.Random) -> list[float]:
    """Submit `count` runs of the `true` job one after the other; each submit's round trip in ms."""
    conn = Connection(port)
    round_trips = []
    try:
        for _ in range(count):
            asked = time.perf_counter()
            await conn.submit(runs_mod.TRUE_JOB)
            round_trips.append((time.perf_counter() - asked) * 1000)
            await asyncio.sleep(rng.uniform(*PAUSE_S))
    finally:
        conn.close()
    return round_trips


def claim_floor(url: str, count: int) -> list[float]:
    """Milliseconds from before an INSERT of a queued row to after the UPDATE claiming it, `count` times."""
    table = f"bench_dispatch_floor_{uuid.uuid4().hex[:8]}"
    ddl = f"CREATE TABLE {table} (id VARCHAR(40) PRIMARY KEY, state VARCHAR(20) NOT NULL, created_at BIGINT NOT NULL, started_at BIGINT)"
    index = f"CREATE INDEX {table}_claim ON {table} (state, created_at, id)"
    pick = f"SELECT id FROM {table} WHERE state = 'queued' ORDER BY created_at, id LIMIT 1"
    out: list[float] = []
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split(":///", 1)[1], isolation_level=None)
        # runyard's own settings for its SQLite connections (runyard.store.db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        try:
            conn.execute(ddl)
            conn.execute(index)
            for _ in range(count):
                t0 = time.perf_counter()
                conn.execute(f"INSERT INTO {table} VALUES (?, 'queued', ?, NULL)", (uuid.uuid4().hex, now_us()))
                row = conn.execute(f"UPDATE {table} SET state = 'running', started_at = ? WHERE id = ({pick}) RETURNING id", (now_us(),)).fetchone()
                out.append((time.perf_counter() - t0) * 1000)
                assert row is not None
            conn.execute(f"DROP TABLE {table}")
        finally:
            conn.close()
        return out
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as pg:
        pg.execute(ddl)
        pg.execute(index)
        for _ in range(count):
            t0 = time.perf_counter()
            pg.execute(f"INSERT INTO {table} VALUES (%s, 'queued', %s, NULL)", (uuid.uuid4().hex, now_us()))
            # FOR UPDATE SKIP LOCKED, as runyard's claim on PostgreSQL
            claimed = pg.execute(
                f"UPDATE {table} SET state = 'running', started_at = %s WHERE id = ({pick} FOR UPDATE SKIP LOCKED) RETURNING id", (now_us(),)
            ).fetchone()
            out.append((time.perf_counter() - t0) * 1000)
            assert claimed is not None
        pg.execute(f"DROP TABLE {table}")
    return out


def measure(kind: str, url: str, work: Path, *, runs: int, workers: int, seed: int) -> dict[str, Any]:
    """The dispatch case on a fresh, empty store at `url`: runyard's latencies beside the floor's."""
    floor = claim_floor(url, runs)
    jobs = runs_mod.write_jobs(work)
    port = servers.free_port()
    server = servers.start(
        "runyard-dispatch", servers.runyard_argv(port, url, workers=workers, jobs=jobs), port, work / f"runyard-dispatch-{kind}.log", cwd=servers.ROOT
    )
    try:
        since = now_us()
        round_trips = asyncio.run(_one_at_a_time(port, runs, random.Random(seed)))
        runs_mod.wait_finished(url, since, timeout=60)
    finally:
        server.stop()
    rows = runs_mod.times(url, since)
    latencies = [(r["started_at"] - r["created_at"]) / 1000 for r in rows if r["started_at"] is not None]
    return {
        "runs": len(rows),
        "workers": workers,
        "succeeded": sum(1 for r in rows if r["state"] == "succeeded"),
        "runyard": _ms_summary(latencies),
        "floor": _ms_summary(floor),
        "submit_round_trip": _ms_summary(round_trips),
    }
