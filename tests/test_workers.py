"""Workers as real processes: sharing a PostgreSQL queue, dying, stopping, and embedded in serve.

Every process here is a real `python -m runyard ...` subprocess; jobs are
short `python -c` scripts that leave evidence (side-effect files, PIDs) the
tests check from outside.
"""

from __future__ import annotations

import signal
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import (
    Processes,
    attempt_of,
    finished_status,
    python_job,
    read_pid,
    status,
    submit,
    total_with_status,
    write_jobs_file,
)
from tests.support.servers import LiveServer
from tests.support.waiting import process_gone, wait_for

pytestmark = pytest.mark.slow  # worker processes and real runs

# A job that sleeps unless it is a second try, leaving its PID behind (written atomically).
# OUT: a folder for evidence. On attempt 1 of a first pickup it sleeps; otherwise it succeeds at once.
SLEEPER = """\
import os, pathlib, time
out = pathlib.Path(os.environ["OUT"])
attempt = os.environ["RUNYARD_ATTEMPT"]
marker = out / "started"
again = marker.exists()
tmp = out / f"pid.{os.getpid()}.tmp"
tmp.write_text(str(os.getpid()))
os.replace(tmp, out / ("pid-again" if again else "pid-first"))
if again or attempt != "1":
    print("::result " + '{"attempt": %s}' % attempt, flush=True)
    raise SystemExit(0)
marker.write_text(attempt)
time.sleep(30)
"""


def sleeper_job(out: Path, **fields: Any) -> dict[str, Any]:
    return python_job(SLEEPER, env={"OUT": str(out)}, timeout_seconds=60, kill_grace_seconds=1, **fields)


# --- 1. many workers on PostgreSQL --------------------------------------------------------

APPEND = """\
import os
with open(os.environ["SIDE"], "a") as f:
    f.write(f"{os.environ['RUNYARD_RUN_ID']} {os.getppid()}\\n")
"""


def test_three_workers_on_postgresql_run_each_of_300_runs_exactly_once(pg_url: str, tmp_path: Path, procs: Processes) -> None:
    side = tmp_path / "side-effects.txt"
    side.touch()
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"append": python_job(APPEND, env={"SIDE": str(side)}, timeout_seconds=60)})
    server = procs.server(pg_url, "serve", "--workers", "0", "--jobs", str(jobs))
    workers = [procs.worker(pg_url, f"worker-{i}", "--jobs", str(jobs), "--concurrency", "4") for i in range(3)]
    # Each prints its banner once its database is open and its jobs are installed: all three compete from the first run.
    for i in range(3):
        wait_for(lambda: "runyard worker on" in procs.log(f"worker-{i}"), 30, f"worker-{i} to start")

    with httpx.Client(base_url=server.url, timeout=30) as client:

        def one(_: int) -> str:
            response = client.post("/api/v1/runs", json={"job": "append", "input": {}})
            assert response.status_code == 202, response.text
            return response.json()["job_id"]

        with ThreadPoolExecutor(8) as pool:
            run_ids = list(pool.map(one, range(300)))
    assert len(set(run_ids)) == 300

    def all_finished() -> bool:
        assert total_with_status(server, "failed") == 0, side.read_text()
        assert all(w.poll() is None for w in workers), "a worker exited"
        return total_with_status(server, "succeeded") == 300

    wait_for(all_finished, 60, "300 runs to succeed", interval=0.25)
    assert total_with_status(server, "queued") == total_with_status(server, "running") == 0

    lines = side.read_text().splitlines()
    seen = Counter(line.split()[0] for line in lines)
    assert set(seen) == set(run_ids), f"missing: {set(run_ids) - set(seen)}, unknown: {set(seen) - set(run_ids)}"
    assert [run_id for run_id, count in seen.items() if count != 1] == []
    assert len(lines) == 300
    parents = {int(line.split()[1]) for line in lines}
    assert parents <= {w.pid for w in workers}
    assert len(parents) >= 2, f"all runs executed by one worker: {parents}"
    for i in range(3):
        assert "Traceback" not in procs.log(f"worker-{i}"), procs.log(f"worker-{i}")


# --- 2. a worker killed with SIGKILL ------------------------------------------------------


def _start_and_kill_worker(database_url: str, tmp_path: Path, procs: Processes, **job_fields: Any) -> tuple[LiveServer, str, int]:
    """A sleeping run held by a worker with a 2 s lease, whose worker then dies by SIGKILL."""
    out = tmp_path / "out"
    out.mkdir()
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"sleeper": sleeper_job(out, **job_fields)})
    server = procs.server(database_url, "serve", "--workers", "0", "--jobs", str(jobs))
    doomed = procs.worker(database_url, "doomed", "--jobs", str(jobs), "--concurrency", "1", "--lease-seconds", "2")
    run_id = submit(server, "sleeper")
    child = wait_for(lambda: read_pid(out / "pid-first"), 20, "the job to start")
    assert status(server, run_id)["status"] == "running"

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(5)
    wait_for(lambda: process_gone(child), 3, f"job process {child} to die with its worker (its watchdog kills the group)")
    assert status(server, run_id)["status"] == "running"  # nobody has noticed yet: the lease still runs
    return server, run_id, child


def test_killed_worker_leaves_its_run_failed_by_lease_expiry_and_no_orphan(database_url: str, tmp_path: Path, procs: Processes) -> None:
    server, run_id, _child = _start_and_kill_worker(database_url, tmp_path, procs, max_attempts=1)
    started = time.monotonic()
    procs.worker(database_url, "survivor", "--concurrency", "1")

    # Generous bounds: a new worker process starts in a second alone, but much slower beside a loaded suite.
    final = finished_status(server, run_id, 30)
    assert final["status"] == "failed"
    assert "lease" in final["error"]
    assert time.monotonic() - started < 30
    assert attempt_of(server, run_id) == 1
    assert not (tmp_path / "out" / "pid-again").exists(), "a crashed run with no attempts left ran again"


def test_killed_worker_takes_its_jobs_grandchildren_with_it(database_url: str, tmp_path: Path, procs: Processes) -> None:
    """The job's own children (a shell's) die with the worker too: the watchdog kills the whole process group."""
    out = tmp_path / "out"
    out.mkdir()
    work = tmp_path / "work.py"
    work.write_text(SLEEPER)
    # The shell forks the Python (it has more to do after it), so the sleeper is the worker's grandchild.
    command = ["/bin/sh", "-c", f'cd "{tmp_path}" && "{sys.executable}" work.py; echo finished']
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"nested": {"command": command, "env": {"OUT": str(out)}, "max_attempts": 1}})
    server = procs.server(database_url, "serve", "--workers", "0", "--jobs", str(jobs))
    doomed = procs.worker(database_url, "doomed", "--jobs", str(jobs), "--concurrency", "1")
    submit(server, "nested")
    grandchild = wait_for(lambda: read_pid(out / "pid-first"), 20, "the job to start")
    assert Path(f"/proc/{grandchild}/status").read_text().count(f"PPid:\t{doomed.pid}\n") == 0, "not a grandchild"

    doomed.send_signal(signal.SIGKILL)
    doomed.wait(5)
    wait_for(lambda: process_gone(grandchild), 5, f"the job's grandchild {grandchild} to die with its worker")


def test_killed_worker_run_is_rerun_by_another_worker_while_attempts_remain(sqlite_url: str, tmp_path: Path, procs: Processes) -> None:
    # max_attempts comes from the job definition; the submit does not name it.
    server, run_id, child = _start_and_kill_worker(sqlite_url, tmp_path, procs, max_attempts=2)
    procs.worker(sqlite_url, "survivor", "--concurrency", "1")

    final = finished_status(server, run_id, 15)
    assert final["status"] == "succeeded", final
    assert attempt_of(server, run_id) == 2
    result = httpx.get(f"{server.url}/api/v1/runs/{run_id}/result", timeout=10).json()
    assert result["result"] == {"attempt": 2}
    assert read_pid(tmp_path / "out" / "pid-again") not in (None, child)


# --- 3. graceful shutdown -----------------------------------------------------------------


def test_sigterm_hands_running_run_back_and_next_worker_completes_it(sqlite_url: str, tmp_path: Path, procs: Processes) -> None:
    out = tmp_path / "out"
    out.mkdir()
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"sleeper": sleeper_job(out)})
    server = procs.server(sqlite_url, "serve", "--workers", "0", "--jobs", str(jobs))
    first = procs.worker(sqlite_url, "first", "--jobs", str(jobs), "--concurrency", "1", "--shutdown-grace", "1")
    run_id = submit(server, "sleeper")
    child = wait_for(lambda: read_pid(out / "pid-first"), 20, "the job to start")
    assert status(server, run_id)["status"] == "running"

    stopping = time.monotonic()
    first.send_signal(signal.SIGTERM)
    assert first.wait(10) == 0, procs.log("first")
    # Grace 1 s + the job's kill grace 1 s, and room for a loaded machine: far below the 30 s the job sleeps.
    assert time.monotonic() - stopping < 8
    assert process_gone(child)
    assert status(server, run_id)["status"] == "queued"
    assert attempt_of(server, run_id) == 0  # the interrupted attempt does not count

    procs.worker(sqlite_url, "second", "--concurrency", "1")
    final = finished_status(server, run_id, 15)
    assert final["status"] == "succeeded", final
    assert attempt_of(server, run_id) == 1
    assert read_pid(out / "pid-again") not in (None, child)


# --- 4. serve with embedded workers -------------------------------------------------------

STEPS = """\
import time
print("::progress 10 Starting", flush=True)
time.sleep(1)
print('::result {"done": true}', flush=True)
"""


def test_serve_with_embedded_workers_runs_a_submitted_run_and_stops_cleanly_on_sigterm(sqlite_url: str, tmp_path: Path, procs: Processes) -> None:
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"steps": python_job(STEPS, timeout_seconds=30)})
    server = procs.server(sqlite_url, "serve", "--workers", "2", "--jobs", str(jobs), "--shutdown-grace", "2", "--log-level", "info")
    response = httpx.post(f"{server.url}/api/v1/runs", json={"job": "steps", "input": {"n": 1}}, timeout=10)
    assert response.status_code == 202, response.text
    run_id = response.json()["job_id"]

    observed = [response.json()["status"]]

    def finished() -> bool:
        current = status(server, run_id)["status"]
        if current != observed[-1]:
            observed.append(current)
        return current in ("succeeded", "failed", "cancelled")

    wait_for(finished, 15, "the run to finish", interval=0.05)
    assert observed == ["queued", "running", "succeeded"]
    result = httpx.get(f"{server.url}/api/v1/runs/{run_id}/result", timeout=10).json()
    assert result["result"] == {"done": True}

    stopping = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    code = server.process.wait(10)
    # uvicorn shuts down gracefully, then re-raises the signal it caught, so the exit is "killed by SIGTERM".
    assert code in (0, -signal.SIGTERM), procs.log("serve")
    assert time.monotonic() - stopping < 5
    log = procs.log("serve")
    assert "Application shutdown complete" in log, log
    assert "Traceback" not in log, log
