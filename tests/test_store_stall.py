"""A SQLite write lock held by another process for 12 s: the API keeps answering, writes are refused
fast with 503, and no run executes twice at once.

A live `runyard serve` with embedded workers executes runs of a job that holds an exclusive `flock`
per run while it runs (the kernel drops it when the process dies, however it dies, so a second
execution finding it taken is proof of two at once). Meanwhile this test holds `BEGIN EXCLUSIVE` on
the database file from its own connection, as a backup tool or another program would.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.keys import create_keys
from tests.support.processes import Processes, finished_status, python_job, status, submit, write_jobs_file
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow  # a 12 s stall and a 15 s lease

STALL_SECONDS = 12.0

# One flock per run: "start <attempt>" on each execution, "overlap" if another copy still holds it.
# The first attempt outlives the stall (the worker must stop it); later attempts finish at once.
_LOCKING_JOB = """\
import fcntl, os, sys, time
run, attempt = os.environ["RUNYARD_RUN_ID"], os.environ["RUNYARD_ATTEMPT"]
evidence = os.path.join(os.environ["OUT"], run)
handle = open(evidence + ".lock", "w")
try:
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    open(evidence, "a").write("overlap\\n")
    sys.exit(3)
open(evidence, "a").write(f"start {attempt}\\n")
if attempt == "1":
    time.sleep(40)
"""


def _database_file(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


class Reads(threading.Thread):
    """/health and a run's status, asked back to back until stopped; every answer's status and time."""

    def __init__(self, base_url: str, run_id: str) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.run_id = run_id
        self.stop = threading.Event()
        self.answers: list[tuple[int, float]] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self.stop.is_set():
                for path in ("/health", f"/api/v1/runs/{self.run_id}"):
                    asked = time.monotonic()
                    code = client.get(path).status_code
                    self.answers.append((code, time.monotonic() - asked))
                time.sleep(0.01)

    def p99(self) -> float:
        times = sorted(seconds for _code, seconds in self.answers)
        return times[int(len(times) * 0.99)]


def test_while_another_process_holds_the_sqlite_write_lock_reads_answer_writes_get_503_and_no_run_executes_twice(
    sqlite_url: str, tmp_path: Path, procs: Processes
) -> None:
    out = tmp_path / "evidence"
    out.mkdir()
    secret = create_keys(sqlite_url, {"dev": "dev"})["dev"][1]
    jobs = write_jobs_file(
        tmp_path / "runyard.toml",
        {"hold": python_job(_LOCKING_JOB, env={"OUT": str(out)}, timeout_seconds=120, kill_grace_seconds=1, max_attempts=3)},
    )
    server = procs.server(sqlite_url, "serve", "--workers", "2", "--jobs", str(jobs))
    run_ids = [submit(server, "hold") for _ in range(2)]
    wait_for(lambda: all((out / run_id).exists() for run_id in run_ids), 20, "both runs to start")

    lock = sqlite3.connect(_database_file(sqlite_url), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    locked_at = time.monotonic()
    reads = Reads(server.url, run_ids[0])
    reads.start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            asked = time.monotonic()
            native = client.post("/api/v1/runs", json={"job": "hold", "input": {}})
            native_seconds = time.monotonic() - asked
            asked = time.monotonic()
            trigger = client.post("/trigger/api/v1/tasks/hold/trigger", json={"payload": {}}, headers={"Authorization": f"Bearer {secret}"})
            trigger_seconds = time.monotonic() - asked
        time.sleep(max(0.0, locked_at + STALL_SECONDS - time.monotonic()))
    finally:
        reads.stop.set()
        reads.join()
        lock.execute("ROLLBACK")
        lock.close()

    assert native.status_code == 503, native.text
    assert native.headers["Retry-After"] == "1"
    assert "write lock" in native.json()["detail"]
    assert trigger.status_code == 503, trigger.text
    assert "write lock" in trigger.json()["error"]
    assert native_seconds < 5 and trigger_seconds < 5, (native_seconds, trigger_seconds)

    assert reads.answers, "no read was answered"
    assert {code for code, _seconds in reads.answers} == {200}
    print(
        f"SQLite write lock held {STALL_SECONDS:g} s: read p99 {reads.p99() * 1000:.1f} ms over {len(reads.answers)} reads; writes refused in {native_seconds:.2f} s"
    )
    assert reads.p99() < 0.5, f"p99 {reads.p99():.3f} s over {len(reads.answers)} reads"

    for run_id in run_ids:
        assert finished_status(server, run_id, 60)["status"] == "succeeded"
        evidence = (out / run_id).read_text().splitlines()
        assert "overlap" not in evidence, evidence
        # The first attempt outlived the stall: the worker stopped it before its lease ran out,
        # and the run's next attempt ran only then.
        assert evidence == ["start 1", "start 2"], evidence
    assert status(server, run_ids[0])["status"] == "succeeded"
    assert "Traceback" not in procs.log("serve"), procs.log("serve")
