"""Execution throughput: how many runs of `true` a worker gets through, beside a bare spawn loop.

For each slot count (1 and 4 by default): N runs are queued through `runyard serve --workers 0`
(native submits, 8 at a time), that server is stopped, and a standalone `runyard worker
--concurrency SLOTS` is started on the store, so the worker has the machine to itself but for
the bench's look at the store every half second (one count of unfinished runs). runs/s is N
over the time from the first run's `started_at` to the last run's `completed_at`, as stored: the
worker's own start-up is not counted. The floor (bench/spawnfloor.py) spawns `true` N times at
the same concurrency with no store, timed the same way, right after.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import runs as runs_mod
from bench import servers
from bench.client import submit_many
from runyard.timeutil import now_us

SUBMIT_CONCURRENCY = 8
SLOWEST_RUNS_PER_S = 5.0  # a worker slower than this fails the case instead of holding the bench for hours


def _queue(kind: str, url: str, work: Path, jobs: Path, runs: int) -> tuple[int, float]:
    """N runs of the `true` job queued by a server with no worker; (since_us, seconds taken)."""
    port = servers.free_port()
    server = servers.start("runyard-queue", servers.runyard_argv(port, url, workers=0, jobs=jobs), port, work / f"runyard-queue-{kind}.log", cwd=servers.ROOT)
    try:
        since = now_us()
        t0 = time.perf_counter()
        submit_many(port, runs_mod.TRUE_JOB, runs, SUBMIT_CONCURRENCY)
        return since, time.perf_counter() - t0
    finally:
        server.stop()


def _execute(kind: str, url: str, work: Path, since: int, runs: int, slots: int) -> None:
    """A standalone worker with `slots` slots until every queued run finished."""
    log = (work / f"runyard-worker-{kind}-{slots}.log").open("wb")
    argv = [sys.executable, "-m", "runyard", "worker", "--database-url", url, "--concurrency", str(slots), "--log-level", "warning"]
    worker = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=servers.ROOT)
    try:
        runs_mod.wait_finished(url, since, timeout=60 + runs / SLOWEST_RUNS_PER_S)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()


def spawn_floor(runs: int, slots: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.spawnfloor", "--runs", str(runs), "--concurrency", str(slots)],
        capture_output=True,
        text=True,
        cwd=servers.ROOT,
        timeout=60 + runs / SLOWEST_RUNS_PER_S,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip()[-300:]}
    return dict(json.loads(done.stdout))


def measure(kind: str, url: str, work: Path, *, runs: int, slot_counts: list[int]) -> dict[str, Any]:
    """The execution case on a fresh, empty store at `url`: one row per slot count."""
    jobs = runs_mod.write_jobs(work)
    rows = []
    for slots in slot_counts:
        since, queue_s = _queue(kind, url, work, jobs, runs)
        _execute(kind, url, work, since, runs, slots)
        stored = runs_mod.times(url, since)
        first = min(r["started_at"] for r in stored)
        last = max(r["completed_at"] for r in stored)
        seconds = (last - first) / 1_000_000
        runyard = {
            "runs": len(stored),
            "succeeded": sum(1 for r in stored if r["state"] == "succeeded"),
            "seconds": round(seconds, 3),
            "runs_per_s": round(len(stored) / seconds, 1) if seconds > 0 else None,
            "queued_per_s": round(runs / queue_s, 1),
        }
        floor = spawn_floor(runs, slots)
        ratio = runyard["runs_per_s"] / floor["runs_per_s"] if runyard["runs_per_s"] and floor.get("runs_per_s") else None
        rows.append({"slots": slots, "runyard": runyard, "floor": floor, "ratio": None if ratio is None else round(ratio, 3)})
    return {"runs": runs, "rows": rows}
