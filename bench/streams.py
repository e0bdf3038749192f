"""Open streams: what thousands of idle Server-Sent Events streams cost one server process.

`runyard serve --workers 0` with S runs of `sleep 600` queued: with no worker they stay queued,
so the stream of each (GET /api/v1/runs/{id}/stream) stays open, sending a heartbeat every 15 s.
The same figures are taken twice on the same server, first with no stream open (the floor: the
S queued runs are there too, so only the streams differ), then with one stream per run held by
bench/streamhold.py in another process:

- over a quiet window of W seconds (no request at all): the server process's CPU % (utime +
  stime from /proc/PID/stat), and on PostgreSQL the bench database's transactions per second
  (xact_commit + xact_rollback from pg_stat_database, read from another database so the look
  is not counted). That count holds everything the server does: its schedule and bulk-action
  look-ups twice a second, and with streams its run watcher's polls. PostgreSQL's counters
  reach pg_stat_database when a backend flushes them (at most once a second while busy), so a
  short window is approximate, and each window starts 11 s after the last burst (see
  PG_STATS_SETTLE_S);
- the server's VmRSS and VmHWM from /proc at the end of the window;
- then GET /health latency, `health_requests` answers at concurrency 1 after 0.5 s unmeasured
  (bench/loadgen.py).
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import loadgen, servers
from bench import runs as runs_mod
from bench.client import submit_many

ARRIVING = 50  # streams being opened at once (see bench/streamhold.py)
SETTLE_S = 2.0  # after the submits or the streams' opening, before a window: that burst is over
# On PostgreSQL, longer: a backend that went idle reports its last transactions to pg_stat_database
# only after 10 s (PGSTAT_IDLE_INTERVAL), so the burst's transactions would land in the window.
PG_STATS_SETTLE_S = 11.0
HEALTH_WARMUP_S = 0.5  # unmeasured /health requests first: a new connection, a pool connection woken


class Transactions:
    """Transactions per second of one PostgreSQL database, from pg_stat_database."""

    def __init__(self, admin_url: str, store_url: str) -> None:
        self.name = sa.engine.make_url(store_url).database
        self.engine = sa.create_engine(sa.engine.make_url(admin_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(sa.text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :name"), {"name": self.name}).scalar_one()
            )

    def close(self) -> None:
        self.engine.dispose()


def idle_figures(server: servers.Server, window: float, health_requests: int, transactions: Transactions | None) -> dict[str, Any]:
    """CPU %, transactions/s and memory over a quiet window, then /health latency at c=1."""
    tx0 = transactions.count() if transactions else None
    cpu0, t0 = server.cpu_seconds(), time.monotonic()
    time.sleep(window)
    cpu1, t1 = server.cpu_seconds(), time.monotonic()
    tx1 = transactions.count() if transactions else None
    out: dict[str, Any] = {
        "window_s": round(t1 - t0, 2),
        "cpu_percent": round((cpu1 - cpu0) / (t1 - t0) * 100, 1),
        "memory_kib": server.memory(),
        "tps": round((tx1 - tx0) / (t1 - t0), 1) if tx0 is not None and tx1 is not None else None,
    }
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "concurrency": 1,
        "duration": 60,
        "requests": health_requests,
        "warmup": HEALTH_WARMUP_S,
        "timeout": 30,
        "requests_pool": [{"method": "GET", "path": "/health"}],
    }
    out["health"] = loadgen.spawn(spec, timeout=120)
    return out


def _line(process: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line:
        raise RuntimeError(f"the stream holder said nothing within {timeout:.0f} s (exit code {process.poll()})")
    return dict(json.loads(line))


def measure(kind: str, url: str, work: Path, *, streams: int, window: float, health_requests: int, pg_admin: str | None) -> dict[str, Any]:
    """The streams case on a fresh, empty store at `url`: the figures with no stream and with `streams` open."""
    jobs = runs_mod.write_jobs(work)
    port = servers.free_port()
    server = servers.start(
        "runyard-streams", servers.runyard_argv(port, url, workers=0, jobs=jobs), port, work / f"runyard-streams-{kind}.log", cwd=servers.ROOT
    )
    transactions = Transactions(pg_admin, url) if kind == "postgresql" and pg_admin else None
    holder: subprocess.Popen[str] | None = None
    result: dict[str, Any] = {"streams": streams, "window_s": window, "health_requests": health_requests}
    try:
        t0 = time.perf_counter()
        ids = submit_many(port, runs_mod.HOLD_JOB, streams, 8)
        result["queue_seconds"] = round(time.perf_counter() - t0, 1)
        settle = PG_STATS_SETTLE_S if transactions else SETTLE_S
        server.wait_idle()
        time.sleep(settle)
        result["no_streams"] = idle_figures(server, window, health_requests, transactions)

        holder = subprocess.Popen([sys.executable, "-m", "bench.streamhold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=servers.ROOT)
        assert holder.stdin is not None
        holder.stdin.write(json.dumps({"host": "127.0.0.1", "port": port, "paths": [f"/api/v1/runs/{i}/stream" for i in ids], "arriving": ARRIVING}) + "\n")
        holder.stdin.flush()
        result["opening"] = _line(holder, timeout=600)
        time.sleep(settle)
        result["with_streams"] = idle_figures(server, window, health_requests, transactions)

        holder.stdin.close()  # the holder reports what stayed open, then closes its streams
        result["holding"] = _line(holder, timeout=60)
        holder.wait(60)
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
            holder.wait()
        server.stop()
        if transactions is not None:
            transactions.close()
    return result
