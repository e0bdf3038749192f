"""Execution throughput: how many runs of `true` a worker gets through, beside a bare spawn loop.

For each slot count (1 and 4 by default), twice: N runs are queued through `runyard serve --workers
0` (native submits, 8 at a time), that server is stopped, and then
- a standalone `runyard worker --concurrency SLOTS` is started on the store (asyncio's event loop);
- for the second N, `runyard serve --workers SLOTS --processes 1` (its embedded worker, on the
  server's event loop: uvloop, uvicorn's default), which serves no request meanwhile;
so each worker has the machine to itself but for the bench's look at the store every half second
(one count of unfinished runs). runs/s is N over the time from the first run's `started_at` to the
last run's `completed_at`, as stored: the worker's own start-up is not counted. The floor
(bench/spawnfloor.py) spawns `true` N times at the same concurrency with no store, timed the same way,
right after.
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


def _execute(kind: str, url: str, work: Path, since: int, runs: int, slots: int, *, embedded: bool, jobs: Path) -> None:
    """A worker with `slots` slots (standalone, or embedded in a server) until every queued run finished."""
    name = f"runyard-{'serve' if embedded else 'worker'}-{kind}-{slots}"
    log = (work / f"{name}.log").open("wb")
    if embedded:
        argv = servers.runyard_argv(servers.free_port(), url, workers=slots, jobs=jobs)
    else:
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


def _drain(kind: str, url: str, work: Path, jobs: Path, runs: int, slots: int, *, embedded: bool) -> dict[str, Any]:
    """Queue `runs` runs of `true`, let one worker execute them all; how fast, as stored."""
    since, queue_s = _queue(kind, url, work, jobs, runs)
    _execute(kind, url, work, since, runs, slots, embedded=embedded, jobs=jobs)
    stored = runs_mod.times(url, since)
    seconds = (max(r["completed_at"] for r in stored) - min(r["started_at"] for r in stored)) / 1_000_000
    return {
        "runs": len(stored),
        "succeeded": sum(1 for r in stored if r["state"] == "succeeded"),
        "seconds": round(seconds, 3),
        "runs_per_s": round(len(stored) / seconds, 1) if seconds > 0 else None,
        "queued_per_s": round(runs / queue_s, 1),
    }


def _ratio(runyard: dict[str, Any], floor: dict[str, Any]) -> float | None:
    return round(runyard["runs_per_s"] / floor["runs_per_s"], 3) if runyard["runs_per_s"] and floor.get("runs_per_s") else None


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
    """The execution case on a fresh, empty store at `url`: one row per slot count, with the
    standalone worker's figures (`runyard`, `ratio`) and the embedded one's (`embedded`, `embedded_ratio`)."""
    jobs = runs_mod.write_jobs(work)
    rows = []
    for slots in slot_counts:
        runyard = _drain(kind, url, work, jobs, runs, slots, embedded=False)
        embedded = _drain(kind, url, work, jobs, runs, slots, embedded=True)
        floor = spawn_floor(runs, slots)
        rows.append(
            {
                "slots": slots,
                "runyard": runyard,
                "embedded": embedded,
                "floor": floor,
                "ratio": _ratio(runyard, floor),
                "embedded_ratio": _ratio(embedded, floor),
            }
        )
    return {"runs": runs, "rows": rows}
