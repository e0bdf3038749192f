"""An attempt's supervision fails (a heartbeat or the final write raises): the process never runs unsupervised.

The store here is a real SQLite file and every job a real subprocess. A queue
that raises where the database would (`OperationalError`) stands in for a
database hiccup or a lost connection. Jobs take an exclusive `flock` on a file
while they run: the kernel drops it when the process dies, however it dies,
so a second execution finding the lock taken is proof of two at once.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from runyard.domain import NewRun, Run, RunState
from runyard.executor.attempt import Attempt, AttemptSettings
from runyard.executor.watchdog import Watchdog
from runyard.jobs import JobDefinition
from runyard.store.db import Database, open_database
from runyard.store.jobs import JobStore
from runyard.store.queue import Outcome, RunQueue
from runyard.store.runs import RunStore
from runyard.timeutil import now_us
from tests.support.waiting import process_gone

pytestmark = pytest.mark.slow  # real job processes, leases of seconds

LEASE_SECONDS = 1.5

# Holds an exclusive lock while it runs; records "start" or "overlap"; the second attempt succeeds at once.
_LOCKING_JOB = """\
import fcntl, os, sys, time
evidence, lock = sys.argv[1], sys.argv[2]
handle = open(lock, "w")
try:
    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    open(evidence, "a").write("overlap\\n")
    sys.exit(3)
open(evidence, "a").write(f"start {os.getpid()} attempt {os.environ['RUNYARD_ATTEMPT']}\\n")
if os.environ["RUNYARD_ATTEMPT"] == "1":
    time.sleep(60)
"""


def _database_error() -> OperationalError:
    return OperationalError("UPDATE runs ...", {}, Exception("server closed the connection unexpectedly"))


class FailingHeartbeats(RunQueue):
    """Every heartbeat raises, as when the database stopped answering."""

    async def heartbeat(self, *args: Any, **kwargs: Any) -> RunState | None:
        raise _database_error()


class FlakyFinish(RunQueue):
    """The first `failures` writes of an outcome raise; later ones go through."""

    def __init__(self, db: Database, failures: int) -> None:
        super().__init__(db)
        self.failures = failures
        self.calls = 0

    async def finish(self, run_id: str, worker_id: str, now: int, outcome: Outcome) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise _database_error()
        return await super().finish(run_id, worker_id, now, outcome)


class CancelsAtHeartbeat(RunQueue):
    """Cancels `task` (the attempt), once set, as a heartbeat's write completes: the cancel and the
    heartbeat's answer arrive together, as a worker's shutdown can meet a heartbeat."""

    task: asyncio.Task[None] | None = None

    async def heartbeat(self, *args: Any, **kwargs: Any) -> RunState | None:
        state = await super().heartbeat(*args, **kwargs)
        if self.task is not None:
            self.task.cancel()
            self.task = None
        return state


def _job(tmp_path: Path, script: str, **options: Any) -> JobDefinition:
    options.setdefault("kill_grace_seconds", 5.0)
    return JobDefinition(
        name="locked",
        command=(sys.executable, "-c", textwrap.dedent(script), str(tmp_path / "evidence"), str(tmp_path / "lock")),
        **options,
    )


async def _queued_run(db: Database, job: JobDefinition, max_attempts: int = 2) -> Run:
    stored, _ = await JobStore(db).put(job)
    run, _ = await RunStore(db).insert(NewRun(job_name=job.name, job_version=stored.version, max_attempts=max_attempts))
    return run


def _settings(worker_id: str) -> AttemptSettings:
    return AttemptSettings(worker_id=worker_id, lease_seconds=LEASE_SECONDS, check_interval=0.05, heartbeat_interval=0.1)


def _pids(tmp_path: Path) -> list[int]:
    lines = (tmp_path / "evidence").read_text().splitlines() if (tmp_path / "evidence").exists() else []
    return [int(line.split()[1]) for line in lines if line.startswith("start")]


async def _wait_for_start(tmp_path: Path, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    while len(_pids(tmp_path)) < count:
        assert time.monotonic() < deadline, "the job never started"
        await asyncio.sleep(0.02)
    return _pids(tmp_path)


@pytest.fixture
def db(sqlite_url: str) -> Database:
    return open_database(sqlite_url)


def test_when_heartbeats_keep_failing_the_process_is_stopped_before_the_lease_runs_out(db: Database, tmp_path: Path) -> None:
    async def scenario() -> None:
        run = await _queued_run(db, _job(tmp_path, _LOCKING_JOB))
        lease_taken = time.monotonic()
        claimed = await FailingHeartbeats(db).claim("worker-a", now_us(), LEASE_SECONDS)
        assert claimed is not None and claimed.id == run.id
        attempt = Attempt(claimed, _job(tmp_path, _LOCKING_JOB), FailingHeartbeats(db), _settings("worker-a"))
        execution = asyncio.create_task(attempt.execute())
        [pid] = await _wait_for_start(tmp_path, 1)
        # Whether it ends quietly or raises, it must end, and take its process with it.
        await asyncio.wait_for(asyncio.gather(execution, return_exceptions=True), 10)
        assert process_gone(pid), "the job's process outlived its supervision"
        assert time.monotonic() < lease_taken + LEASE_SECONDS, "the process was still running when the lease ran out"
        await db.close()

    asyncio.run(scenario())


def test_a_run_whose_supervision_failed_is_never_executed_twice_at_once(db: Database, tmp_path: Path) -> None:
    job = _job(tmp_path, _LOCKING_JOB)

    async def scenario() -> None:
        await _queued_run(db, job)
        lease_taken = time.monotonic()
        claimed = await RunQueue(db).claim("worker-a", now_us(), LEASE_SECONDS)
        assert claimed is not None
        first = asyncio.create_task(Attempt(claimed, job, FailingHeartbeats(db), _settings("worker-a")).execute())
        await _wait_for_start(tmp_path, 1)
        await asyncio.gather(first, return_exceptions=True)
        # The lease runs out; housekeeping gives the run its second attempt, which a healthy worker takes.
        queue = RunQueue(db)
        deadline = time.monotonic() + 10
        second = None
        while second is None:
            assert time.monotonic() < deadline, "the run was never handed to another worker"
            await queue.housekeeping(now_us())
            second = await queue.claim("worker-b", now_us(), LEASE_SECONDS)
            await asyncio.sleep(0.05)
        await Attempt(second, job, queue, _settings("worker-b")).execute()
        final = await RunStore(db).get(second.id)
        await db.close()
        assert final.state is RunState.SUCCEEDED, final.error

    asyncio.run(scenario())
    evidence = (tmp_path / "evidence").read_text().splitlines()
    assert "overlap" not in evidence
    assert [line.split()[-1] for line in evidence] == ["1", "2"]


def test_a_final_write_that_fails_at_first_is_retried_and_the_outcome_recorded(db: Database, tmp_path: Path) -> None:
    quick = _job(tmp_path, "print('::result 42')")

    async def scenario() -> tuple[Run, int]:
        await _queued_run(db, quick, max_attempts=1)
        queue = FlakyFinish(db, failures=2)
        claimed = await queue.claim("worker-a", now_us(), LEASE_SECONDS)
        assert claimed is not None
        await Attempt(claimed, quick, queue, _settings("worker-a")).execute()
        run = await RunStore(db).get(claimed.id)
        await db.close()
        return run, queue.calls

    run, calls = asyncio.run(scenario())
    assert calls == 3
    assert run.state is RunState.SUCCEEDED
    assert run.result == 42


def _outlives_a_cancel(db: Database, tmp_path: Path, *, with_a_heartbeat: bool = False) -> bool:
    """Whether a job's process is still running once its attempt, cancelled from outside (at once,
    or as a heartbeat's write completes), has ended."""
    job = _job(tmp_path, _LOCKING_JOB)

    async def scenario() -> bool:
        await _queued_run(db, job)
        queue = CancelsAtHeartbeat(db)
        claimed = await queue.claim("worker-a", now_us(), LEASE_SECONDS)
        assert claimed is not None
        execution = asyncio.create_task(Attempt(claimed, job, queue, _settings("worker-a")).execute())
        [pid] = await _wait_for_start(tmp_path, 1)
        if with_a_heartbeat:
            queue.task = execution
        else:
            execution.cancel()
        await asyncio.wait({execution}, timeout=20)  # the job sleeps 60 s: only a cancel ends the attempt sooner
        assert execution.done() and execution.cancelled(), "the attempt went on as if never cancelled"
        # Checked inside the loop: closing the loop would reap the process whatever the attempt did.
        alive = not process_gone(pid)
        await db.close()
        return alive

    return asyncio.run(scenario())


def test_an_attempt_cancelled_as_a_heartbeat_completes_stops_its_process(db: Database, tmp_path: Path) -> None:
    # Python 3.11's asyncio.wait_for returns the awaited result and drops the cancel when both
    # arrive together; the attempt then went on watching its process as if never cancelled.
    assert not _outlives_a_cancel(db, tmp_path, with_a_heartbeat=True), "the job's process outlived its cancelled supervision"


def test_an_attempt_cancelled_while_its_watchdog_starts_stops_its_process(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine so busy that the watchdog's shell takes a second to start: the cancel lands there.
    started = Watchdog.start.__func__  # type: ignore[attr-defined]

    async def slow_start(cls: type[Watchdog], group: int) -> Watchdog:
        await asyncio.sleep(1.0)
        return await started(cls, group)  # type: ignore[no-any-return]

    monkeypatch.setattr(Watchdog, "start", classmethod(slow_start))
    assert not _outlives_a_cancel(db, tmp_path), "the job's process outlived its cancelled supervision"


def test_an_attempt_cancelled_from_outside_stops_its_process(db: Database, tmp_path: Path) -> None:
    assert not _outlives_a_cancel(db, tmp_path), "the job's process outlived its cancelled supervision"
