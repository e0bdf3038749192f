"""The store stalls for 12 s while runs execute: the API keeps answering, what cannot be done in
time is refused fast with 503, and no run executes twice at once.

SQLite: another process holds the write lock (`BEGIN EXCLUSIVE`). PostgreSQL: another session holds
an ACCESS EXCLUSIVE lock on the runs table, so every statement on runs waits and the API's pool of
connections runs dry under a flood of requests.

A live `runyard serve` with embedded workers executes runs of a job that holds an exclusive `flock`
per run while it runs (the kernel drops it when the process dies, however it dies, so a second
execution finding it taken is proof of two at once). Meanwhile this test holds `BEGIN EXCLUSIVE` on
the database from its own connection, as a backup tool, a migration or another program would.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.keys import create_keys
from tests.support.processes import Processes, finished_status, python_job, submit, write_jobs_file
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow  # a 12 s stall and a 15 s lease

# The bound the tests hold answers to: far above the figures measured alone on this 2-core machine
# (docs/reliability.md: p99 13 ms on SQLite, 65 ms on PostgreSQL), because the suite runs beside
# other tests; far below the stall, which the server used to sit out (/health took 11.6 s).
ANSWERED_WITHIN = 1.0

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


class Traffic(threading.Thread):
    """Requests on `paths` from `clients` threads, back to back until stopped; every answer's path, status and time."""

    def __init__(self, base_url: str, paths: list[str], clients: int = 1) -> None:
        super().__init__(daemon=True)
        self.base_url = base_url
        self.paths = paths
        self.clients = clients
        self.stop = threading.Event()
        self.answers: list[tuple[str, int, float]] = []

    def run(self) -> None:
        threads = [threading.Thread(target=self._client, daemon=True) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _client(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            while not self.stop.is_set():
                for path in self.paths:
                    asked = time.monotonic()
                    code = client.get(path).status_code
                    self.answers.append((path, code, time.monotonic() - asked))
                time.sleep(0.01)

    def codes(self, path: str) -> set[int]:
        return {code for asked, code, _seconds in self.answers if asked == path}

    def p99(self, path: str) -> float:
        times = sorted(seconds for asked, _code, seconds in self.answers if asked == path)
        return times[int(len(times) * 0.99)]

    def slowest(self) -> float:
        return max(seconds for _path, _code, seconds in self.answers)


@contextlib.contextmanager
def _sqlite_write_lock(url: str) -> Iterator[None]:
    lock = sqlite3.connect(_database_file(url), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        lock.execute("ROLLBACK")
        lock.close()


@contextlib.contextmanager
def _postgresql_table_lock(url: str) -> Iterator[None]:
    with psycopg.connect(url) as lock:
        lock.execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            lock.rollback()


def _stall(
    url: str, tmp_path: Path, procs: Processes, stall: contextlib.AbstractContextManager[None], clients: int
) -> tuple[Traffic, dict[str, tuple[httpx.Response, float]], list[str], Path]:
    """Two runs executing, the store stalled STALL_SECONDS under read traffic; the writes tried meanwhile."""
    out = tmp_path / "evidence"
    out.mkdir()
    secret = create_keys(url, {"dev": "dev"})["dev"][1]
    jobs = write_jobs_file(
        tmp_path / "runyard.toml",
        {"hold": python_job(_LOCKING_JOB, env={"OUT": str(out)}, timeout_seconds=120, kill_grace_seconds=1, max_attempts=3)},
    )
    server = procs.server(url, "serve", "--workers", "2", "--jobs", str(jobs))
    run_ids = [submit(server, "hold") for _ in range(2)]
    wait_for(lambda: all((out / run_id).exists() for run_id in run_ids), 20, "both runs to start")

    traffic = Traffic(server.url, ["/health", f"/api/v1/runs/{run_ids[0]}"], clients)
    writes: dict[str, tuple[httpx.Response, float]] = {}
    with stall:
        stalled_at = time.monotonic()
        traffic.start()
        try:
            with httpx.Client(base_url=server.url, timeout=30) as client:
                for name, request in (
                    ("native", lambda: client.post("/api/v1/runs", json={"job": "hold", "input": {}})),
                    ("trigger", lambda: client.post("/trigger/api/v1/tasks/hold/trigger", json={"payload": {}}, headers={"Authorization": f"Bearer {secret}"})),
                ):
                    asked = time.monotonic()
                    writes[name] = (request(), time.monotonic() - asked)
            time.sleep(max(0.0, stalled_at + STALL_SECONDS - time.monotonic()))
        finally:
            traffic.stop.set()
            traffic.join()

    for run_id in run_ids:
        assert finished_status(server, run_id, 60)["status"] == "succeeded"
        evidence = (out / run_id).read_text().splitlines()
        assert "overlap" not in evidence, evidence
        # The first attempt outlived the stall: the worker stopped it before its lease ran out,
        # and the run's next attempt ran only then.
        assert evidence == ["start 1", "start 2"], evidence
    assert "Traceback" not in procs.log("serve"), procs.log("serve")
    return traffic, writes, run_ids, out


def _refused_fast(writes: dict[str, tuple[httpx.Response, float]], words: str) -> None:
    native, native_seconds = writes["native"]
    trigger, trigger_seconds = writes["trigger"]
    assert native.status_code == 503, native.text
    assert native.headers["Retry-After"] == "1"
    assert words in native.json()["detail"]
    assert trigger.status_code == 503, trigger.text
    assert trigger.headers["Retry-After"] == "1"
    assert words in trigger.json()["error"]
    assert native_seconds < 5 and trigger_seconds < 5, (native_seconds, trigger_seconds)


def test_while_another_process_holds_the_sqlite_write_lock_reads_answer_writes_get_503_and_no_run_executes_twice(
    sqlite_url: str, tmp_path: Path, procs: Processes
) -> None:
    traffic, writes, run_ids, _out = _stall(sqlite_url, tmp_path, procs, _sqlite_write_lock(sqlite_url), clients=1)
    _refused_fast(writes, "write lock")
    status_path = f"/api/v1/runs/{run_ids[0]}"
    assert traffic.codes("/health") == traffic.codes(status_path) == {200}
    p99 = max(traffic.p99("/health"), traffic.p99(status_path))
    print(
        f"SQLite write lock held {STALL_SECONDS:g} s: read p99 {p99 * 1000:.1f} ms over {len(traffic.answers)} reads; writes refused in {writes['native'][1]:.2f} s"
    )
    assert p99 < ANSWERED_WITHIN, f"p99 {p99:.3f} s over {len(traffic.answers)} reads"


def test_while_the_runs_table_is_locked_on_postgresql_the_api_answers_in_time_and_no_run_executes_twice(pg_url: str, tmp_path: Path, procs: Processes) -> None:
    # Eight clients reading runs at once: the API's pool is busy waiting on the lock, the queue behind it too.
    traffic, writes, run_ids, _out = _stall(pg_url, tmp_path, procs, _postgresql_table_lock(pg_url), clients=8)
    _refused_fast(writes, "")
    assert traffic.codes("/health") == {200}
    assert traffic.codes(f"/api/v1/runs/{run_ids[0]}") <= {200, 503}
    health = traffic.p99("/health")
    print(
        f"PostgreSQL runs table locked {STALL_SECONDS:g} s: /health p99 {health * 1000:.1f} ms, slowest answer {traffic.slowest():.2f} s over {len(traffic.answers)} requests"
    )
    assert health < ANSWERED_WITHIN, f"/health p99 {health:.3f} s"
    assert traffic.slowest() < 6, "a request waited on the stalled store instead of being refused"
