"""Running runs: real subprocesses executed by the embedded worker pool, watched through the native API.

Each lifecycle test runs on a real SQLite file and on a fresh PostgreSQL
database (the `database_url` fixture). Jobs are small `python -c` scripts or
`/bin/sh -c` commands written here; they talk the progress protocol
(`::progress <pct> <step>`, `::result <json>`), read their input as JSON on
stdin and see RUNYARD_RUN_ID / RUNYARD_ATTEMPT in their environment. Where a
test needs the internal state (runyard.domain.RunState) rather than the native
status, it reads the run from the store.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.web.app import create_app
from runyard.dialects import native
from runyard.domain import Run, RunState
from runyard.executor.worker import WorkerSettings
from runyard.jobs import JobDefinition, RetryPolicy
from runyard.store.db import open_database
from runyard.store.runs import RunStore
from runyard.timeutil import now_us
from tests.support.waiting import process_exists, process_gone, wait_for
from tests.support.workers import brisk_worker

pytestmark = pytest.mark.slow  # real runs executed by an embedded worker pool

RUNS = "/api/v1/runs"
DEADLINE_SECONDS = 15.0

FAST_WORKER = brisk_worker(4)


# ---------------------------------------------------------------- helpers


def python_job(name: str, script: str, **options: Any) -> JobDefinition:
    """A job running `script` with this interpreter."""
    options.setdefault("kill_grace_seconds", 0.5)
    options.setdefault("timeout_seconds", 30.0)
    return JobDefinition(name=name, command=(sys.executable, "-c", textwrap.dedent(script)), **options)


def shell_job(name: str, script: str, **options: Any) -> JobDefinition:
    options.setdefault("kill_grace_seconds", 0.5)
    options.setdefault("timeout_seconds", 30.0)
    return JobDefinition(name=name, command=(script,), shell=True, **options)


@contextmanager
def serve(database_url: str, *jobs: JobDefinition, worker: WorkerSettings | None = FAST_WORKER) -> Iterator[TestClient]:
    """The app over `database_url` with `jobs` defined and, unless worker is None, an embedded worker pool."""
    with TestClient(create_app(database_url, jobs=list(jobs), worker=worker)) as client:
        yield client


def submit(client: TestClient, job: str, **body: Any) -> str:
    response = client.post(RUNS, json={"job": job, **body})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def status(client: TestClient, run_id: str) -> dict[str, Any]:
    response = client.get(f"{RUNS}/{run_id}")
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_status(client: TestClient, run_id: str, *wanted: str, timeout: float = DEADLINE_SECONDS) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        current = status(client, run_id)
        return current if current["status"] in wanted else None

    return wait_for(probe, timeout, f"run {run_id} to be {' or '.join(wanted)}")


def stored_run(database_url: str, run_id: str) -> Run:
    """The run as the store holds it: internal state, attempt count, job version."""

    async def read() -> Run:
        db = open_database(database_url, run_migrations=False)
        try:
            return await RunStore(db).get(run_id)
        finally:
            await db.close()

    return asyncio.run(read())


def iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of a Server-Sent Events body."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


# A job that reports progress, then waits for the test to open its gate before it finishes.
GATED_PROGRESS_SCRIPT = """
    import json, os, sys, time
    gate = sys.argv[1]
    print("::progress 25 Loading input", flush=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(gate) and time.monotonic() < deadline:
        time.sleep(0.02)
    print("::progress 100 Done", flush=True)
    print("::result " + json.dumps({"answer": 42}), flush=True)
"""


# ---------------------------------------------------------------- progress, result, times


def test_progress_is_visible_while_running_and_the_result_after(database_url: str, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    job = JobDefinition(name="report", command=(sys.executable, "-c", textwrap.dedent(GATED_PROGRESS_SCRIPT), str(gate)), timeout_seconds=30.0)
    with serve(database_url, job) as client:
        run_id = submit(client, "report")

        running = wait_for(
            lambda: (s := status(client, run_id))["status"] == "running" and s["progress"]["percentage"] > 0 and s,
            DEADLINE_SECONDS,
            "progress while running",
        )
        assert running["progress"] == {"percentage": 25.0, "current_step": "Loading input"}
        assert "started_at" in running and "completed_at" not in running
        assert client.get(f"{RUNS}/{run_id}/result").status_code == 409

        gate.touch()
        done = wait_for_status(client, run_id, "succeeded", "failed")

        assert done["status"] == "succeeded", done
        assert done["progress"] == {"percentage": 100.0, "current_step": "Done"}
        assert iso(done["created_at"]) <= iso(done["started_at"]) <= iso(done["completed_at"])
        result = client.get(f"{RUNS}/{run_id}/result")
        assert result.status_code == 200
        assert result.json()["status"] == "succeeded"
        assert result.json()["result"] == {"answer": 42}
        assert result.json()["duration_seconds"] >= 0


def test_a_run_records_the_job_version_it_was_submitted_against(database_url: str) -> None:
    job = python_job("versioned", "print('::result \"v1\"')")
    with serve(database_url, job) as client:
        first = submit(client, "versioned")
        wait_for_status(client, first, "succeeded")

        changed = client.put("/api/v1/jobs/versioned", json={"command": [sys.executable, "-c", "print('::result \"v2\"')"]})
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == 2
        second = submit(client, "versioned")
        wait_for_status(client, second, "succeeded")

        assert client.get(f"{RUNS}/{second}/result").json()["result"] == "v2"
    assert stored_run(database_url, first).job_version == 1
    assert stored_run(database_url, second).job_version == 2


def test_a_run_executes_the_version_it_was_submitted_against_even_if_the_job_changed_before_it_started(database_url: str) -> None:
    job = python_job("versioned", "print('::result \"v1\"')")
    with serve(database_url, job, worker=None) as client:
        run_id = submit(client, "versioned")
        changed = client.put("/api/v1/jobs/versioned", json={"command": [sys.executable, "-c", "print('::result \"v2\"')"]})
        assert changed.json()["version"] == 2

    # A worker comes up later on the same database; the jobs already stored stay as they are.
    with serve(database_url) as client:
        wait_for_status(client, run_id, "succeeded")
        assert client.get(f"{RUNS}/{run_id}/result").json()["result"] == "v1"


# ---------------------------------------------------------------- input and environment


def test_input_arrives_on_stdin_as_json_and_the_run_id_and_attempt_are_in_the_environment(database_url: str) -> None:
    job = python_job(
        "echo",
        """
        import json, os, sys
        payload = json.load(sys.stdin)
        print("::result " + json.dumps({
            "input": payload,
            "run_id": os.environ["RUNYARD_RUN_ID"],
            "attempt": os.environ["RUNYARD_ATTEMPT"],
            "job": os.environ.get("RUNYARD_JOB"),
            "extra": os.environ.get("GREETING"),
        }))
        """,
        env={"GREETING": "hello"},
    )
    payload = {"topic": "quarterly report", "pages": [1, 2, 3], "draft": False, "note": None}
    with serve(database_url, job) as client:
        run_id = submit(client, "echo", input=payload)
        wait_for_status(client, run_id, "succeeded", "failed")
        result = client.get(f"{RUNS}/{run_id}/result").json()

    assert result["status"] == "succeeded", result
    assert result["result"] == {"input": payload, "run_id": run_id, "attempt": "1", "job": "echo", "extra": "hello"}


def test_a_jobs_process_sees_none_of_the_servers_variables(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNYARD_TEST_CANARY", "a secret of the server's")
    monkeypatch.setenv("RUNYARD_TEST_SHARED", "taken by name")
    job = python_job(
        "printenv",
        "import json, os; print('::result ' + json.dumps(dict(os.environ)))",
        env={"LEVEL": "info"},
        env_from=("RUNYARD_TEST_SHARED", "RUNYARD_TEST_ABSENT"),
    )
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "printenv")
        assert wait_for_status(client, run_id, "succeeded", "failed")["status"] == "succeeded"
        seen = client.get(f"{RUNS}/{run_id}/result").json()["result"]
    assert "RUNYARD_TEST_CANARY" not in seen
    assert seen["RUNYARD_TEST_SHARED"] == "taken by name" and "RUNYARD_TEST_ABSENT" not in seen
    assert seen["LEVEL"] == "info" and seen["RUNYARD_RUN_ID"] == run_id
    base = {"PATH", "LANG"} | {name for name in ("HOME", "TZ") if name in os.environ}
    run_variables = {"RUNYARD_RUN_ID", "RUNYARD_ATTEMPT", "RUNYARD_JOB"}
    # Python itself may add LC_CTYPE at start (PEP 538); nothing else may be there.
    assert set(seen) - {"LC_CTYPE"} == base | run_variables | {"LEVEL", "RUNYARD_TEST_SHARED"}


def test_a_run_without_input_reads_json_null_on_stdin(sqlite_url: str) -> None:
    job = python_job("stdin", "import json, sys; print('::result ' + json.dumps(sys.stdin.read()))")
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "stdin")
        wait_for_status(client, run_id, "succeeded")
        assert client.get(f"{RUNS}/{run_id}/result").json()["result"] == "null"


def test_ordinary_output_lines_are_not_protocol_and_an_unparsable_result_is_kept_as_text(sqlite_url: str) -> None:
    job = shell_job("chatty", "echo '::progress lots'; echo 'progress 50 not a message'; echo '::result not json'")
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "chatty")
        done = wait_for_status(client, run_id, "succeeded")
        assert done["progress"]["current_step"] is None
        assert client.get(f"{RUNS}/{run_id}/result").json()["result"] == "not json"
        assert "progress 50 not a message" in client.get(f"{RUNS}/{run_id}/logs").json()["stdout"]


# ---------------------------------------------------------------- failure


def test_a_non_zero_exit_fails_the_run_with_the_exit_code_and_the_last_stderr_line(database_url: str) -> None:
    job = python_job(
        "broken",
        """
        import sys
        print("starting work", flush=True)
        print("warming up", file=sys.stderr, flush=True)
        print("boom: disk full", file=sys.stderr, flush=True)
        sys.exit(3)
        """,
    )
    with serve(database_url, job) as client:
        run_id = submit(client, "broken")
        done = wait_for_status(client, run_id, "failed", "succeeded")

        assert done["status"] == "failed"
        assert "exit code 3" in done["error"].lower()
        assert "boom: disk full" in done["error"]
        assert "completed_at" in done and "retry_after" not in done

        logs = client.get(f"{RUNS}/{run_id}/logs").json()
        assert logs["exit_code"] == 3
        assert logs["attempt"] == 1
        assert "starting work" in logs["stdout"]
        assert "boom: disk full" in logs["stderr"] and "warming up" in logs["stderr"]

        result = client.get(f"{RUNS}/{run_id}/result").json()
        assert result["status"] == "failed" and result["result"] is None and "boom: disk full" in result["error"]
    assert stored_run(database_url, run_id).state is RunState.FAILED


def test_a_command_that_cannot_be_started_is_a_system_failure(sqlite_url: str) -> None:
    job = JobDefinition(name="missing", command=("/nonexistent/runyard-test-binary",), timeout_seconds=10.0)
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "missing")
        done = wait_for_status(client, run_id, "failed", "succeeded")
        assert "/nonexistent/runyard-test-binary" in done["error"]
    assert stored_run(sqlite_url, run_id).state is RunState.SYSTEM_FAILURE


# ---------------------------------------------------------------- retries


def test_a_failing_attempt_is_retried_with_growing_backoff_until_it_succeeds(database_url: str, tmp_path: Path) -> None:
    record = tmp_path / "attempts.txt"
    job = python_job(
        "flaky",
        f"""
        import os, sys, time
        attempt = int(os.environ["RUNYARD_ATTEMPT"])
        with open({str(record)!r}, "a") as f:
            f.write(f"{{attempt}} {{time.time()}}\\n")
        if attempt < 3:
            print(f"attempt {{attempt}} not yet", file=sys.stderr)
            sys.exit(1)
        print("::result " + str(attempt))
        """,
        max_attempts=3,  # the job's own setting: the submit below does not name one
        # Backoffs of 0.6 s then 1.8 s: their difference stays well above how late a process may start on a loaded machine.
        retry=RetryPolicy(initial_seconds=0.6, factor=3.0, max_seconds=10.0),
    )
    with serve(database_url, job) as client:
        run_id = submit(client, "flaky")
        done = wait_for_status(client, run_id, "succeeded", "failed")
        assert done["status"] == "succeeded", done
        assert client.get(f"{RUNS}/{run_id}/result").json()["result"] == 3
        assert client.get(f"{RUNS}/{run_id}/logs").json()["attempt"] == 3

    stored = stored_run(database_url, run_id)
    assert (stored.state, stored.attempt, stored.max_attempts) == (RunState.SUCCEEDED, 3, 3)
    lines = [line.split() for line in record.read_text().splitlines()]
    assert [int(n) for n, _ in lines] == [1, 2, 3]
    times = [float(t) for _, t in lines]
    first_gap, second_gap = times[1] - times[0], times[2] - times[1]
    assert first_gap >= 0.6, f"first retry came {first_gap:.3f} s after attempt 1 (backoff 0.6 s)"
    assert second_gap >= 1.8, f"second retry came {second_gap:.3f} s after attempt 2 (backoff 1.8 s)"
    assert second_gap >= first_gap * 0.9, (first_gap, second_gap)


def test_a_run_waiting_for_its_retry_shows_as_queued_and_internally_retrying(database_url: str) -> None:
    job = python_job("slow-retry", "import sys; sys.exit(1)", max_attempts=2, retry=RetryPolicy(initial_seconds=3.0, factor=1.0, max_seconds=3.0))
    with serve(database_url, job) as client:
        run_id = submit(client, "slow-retry")
        wait_for(lambda: stored_run(database_url, run_id).state is RunState.RETRYING, DEADLINE_SECONDS, "the first attempt to fail")
        waiting = status(client, run_id)
        assert waiting["status"] == "queued"
        assert waiting["retry_after"] == 2
        assert "completed_at" not in waiting
        client.post(f"{RUNS}/{run_id}/cancel")  # no need to wait out the backoff


def test_a_job_that_always_fails_ends_failed_after_exactly_max_attempts(database_url: str, tmp_path: Path) -> None:
    side_effect = tmp_path / "ran.txt"
    job = shell_job(
        "doomed",
        f'echo "attempt $RUNYARD_ATTEMPT" >> {side_effect}; echo "still broken" >&2; exit 7',
        max_attempts=2,
        retry=RetryPolicy(initial_seconds=0.2, factor=2.0, max_seconds=1.0),
    )
    with serve(database_url, job) as client:
        run_id = submit(client, "doomed")
        done = wait_for_status(client, run_id, "failed", "succeeded")
        assert "exit code 7" in done["error"].lower() and "still broken" in done["error"]
        time.sleep(0.5)  # long enough for a wrongly scheduled third attempt to show up

    assert side_effect.read_text().splitlines() == ["attempt 1", "attempt 2"]
    stored = stored_run(database_url, run_id)
    assert (stored.state, stored.attempt, stored.exit_code) == (RunState.FAILED, 2, 7)


def test_max_attempts_on_submit_overrides_the_jobs_setting(sqlite_url: str, tmp_path: Path) -> None:
    side_effect = tmp_path / "ran.txt"
    job = shell_job("once", f"echo x >> {side_effect}; exit 1", max_attempts=1, retry=RetryPolicy(initial_seconds=0.2))
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "once", max_attempts=2)
        wait_for_status(client, run_id, "failed")
    assert len(side_effect.read_text().splitlines()) == 2
    assert stored_run(sqlite_url, run_id).attempt == 2


# ---------------------------------------------------------------- timeout


def test_an_attempt_running_past_its_timeout_is_killed_and_ends_timed_out(database_url: str) -> None:
    job = shell_job("sleepy", "sleep 30", timeout_seconds=1.0, kill_grace_seconds=0.5)
    with serve(database_url, job) as client:
        started = time.monotonic()
        run_id = submit(client, "sleepy")
        done = wait_for_status(client, run_id, "failed", "succeeded", timeout=10)
        elapsed = time.monotonic() - started

        assert done["status"] == "failed"
        assert "timed out" in done["error"].lower() and "1 s" in done["error"]
        assert elapsed < 6, f"a 1 s timeout took {elapsed:.1f} s to end the run"
    assert stored_run(database_url, run_id).state is RunState.TIMED_OUT


# ---------------------------------------------------------------- cancel


def test_cancelling_a_queued_run_cancels_it_at_once(database_url: str) -> None:
    job = shell_job("never", "exit 0")
    with serve(database_url, job, worker=None) as client:
        run_id = submit(client, "never")
        response = client.post(f"{RUNS}/{run_id}/cancel")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "cancelled"

        now = status(client, run_id)
        assert now["status"] == "cancelled"
        assert "completed_at" in now and "started_at" not in now
        assert client.post(f"{RUNS}/{run_id}/cancel").status_code == 409
    assert stored_run(database_url, run_id).state is RunState.CANCELLED


def test_cancelling_a_running_run_stops_its_process(database_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    job = python_job(
        "long",
        f"""
        import os, time
        with open({str(pid_file)!r} + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename({str(pid_file)!r} + ".tmp", {str(pid_file)!r})
        time.sleep(60)
        """,
        kill_grace_seconds=2.0,
    )
    with serve(database_url, job) as client:
        run_id = submit(client, "long")
        wait_for(pid_file.exists, DEADLINE_SECONDS, "the job to write its PID")
        pid = int(pid_file.read_text())
        assert process_exists(pid)
        assert status(client, run_id)["status"] == "running"

        asked = time.monotonic()
        response = client.post(f"{RUNS}/{run_id}/cancel")
        assert response.status_code == 200, response.text
        assert response.json()["status"] in ("running", "cancelled")  # cancelling shows as running

        done = wait_for_status(client, run_id, "cancelled", "failed", "succeeded", timeout=10)
        assert done["status"] == "cancelled"
        assert "completed_at" in done and "started_at" in done
        assert time.monotonic() - asked < 2.0, "SIGTERM should have ended a plain sleep well within the grace period"
        wait_for(lambda: not process_exists(pid), 5, f"process {pid} to be gone")
    assert stored_run(database_url, run_id).state is RunState.CANCELLED


def test_a_job_ignoring_sigterm_is_killed_after_its_grace_period(sqlite_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    job = python_job(
        "stubborn",
        f"""
        import os, signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with open({str(pid_file)!r} + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename({str(pid_file)!r} + ".tmp", {str(pid_file)!r})
        time.sleep(60)
        """,
        kill_grace_seconds=0.5,
    )
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "stubborn")
        wait_for(pid_file.exists, DEADLINE_SECONDS, "the job to write its PID")
        pid = int(pid_file.read_text())

        client.post(f"{RUNS}/{run_id}/cancel")
        time.sleep(0.3)
        assert process_exists(pid), "SIGTERM is ignored: the job lives on through its grace period"
        done = wait_for_status(client, run_id, "cancelled", "failed", "succeeded", timeout=10)
        assert done["status"] == "cancelled"
        wait_for(lambda: not process_exists(pid), 5, f"process {pid} to be gone")


def test_cancel_reaches_the_processes_a_shell_job_started(sqlite_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The shell starts `sleep` in the background and waits for it: cancel must stop the child too.
    job = shell_job("family", f"sleep 60 & echo $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; wait", kill_grace_seconds=0.5)
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "family")
        wait_for(pid_file.exists, DEADLINE_SECONDS, "the shell to write its child's PID")
        child = int(pid_file.read_text())
        client.post(f"{RUNS}/{run_id}/cancel")
        wait_for_status(client, run_id, "cancelled", timeout=10)
        # The orphaned child is reaped by init, so it may linger as a zombie for a moment.
        wait_for(lambda: process_gone(child), 5, f"child {child} to be gone")


def test_what_a_job_leaves_running_in_the_background_ends_when_it_ends(sqlite_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # The background sleep keeps the job's stdout open: the run must still end with the shell.
    job = shell_job("leaves", f"sleep 60 & echo $! > {pid_file}.tmp; mv {pid_file}.tmp {pid_file}; echo done")
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "leaves")
        assert wait_for_status(client, run_id, "succeeded", timeout=10)["status"] == "succeeded"
        child = int(pid_file.read_text())
        wait_for(lambda: process_gone(child), 5, f"child {child} to be gone")


# ---------------------------------------------------------------- TTL and delay


def test_a_run_not_started_within_its_ttl_expires_without_ever_starting(database_url: str, tmp_path: Path) -> None:
    blocker_started = tmp_path / "started"
    job = shell_job("single", f"touch {blocker_started}; sleep 30", concurrency=1, kill_grace_seconds=0.2)
    with serve(database_url, job) as client:
        blocker = submit(client, "single")
        wait_for(blocker_started.exists, DEADLINE_SECONDS, "the first run to occupy the job's only slot")

        waiting = submit(client, "single", ttl=1)
        assert status(client, waiting)["status"] == "queued"
        expired = wait_for_status(client, waiting, "cancelled", "running", "succeeded", "failed", timeout=10)

        assert expired["status"] == "cancelled"
        assert "started_at" not in expired
        assert "completed_at" in expired
        assert "ttl" in expired["error"].lower()
        assert iso(expired["completed_at"]) - iso(expired["created_at"]) >= timedelta(seconds=1)
        stored = stored_run(database_url, waiting)
        assert (stored.state, stored.started_at, stored.attempt) == (RunState.EXPIRED, None, 0)

        client.post(f"{RUNS}/{blocker}/cancel")
        wait_for_status(client, blocker, "cancelled", timeout=10)


def test_a_delayed_run_waits_before_it_starts_then_runs(database_url: str) -> None:
    job = python_job("later", "print('::result \"ran\"')")
    with serve(database_url, job) as client:
        run_id = submit(client, "later", delay=2)
        first = status(client, run_id)
        assert first["status"] == "queued"
        assert stored_run(database_url, run_id).state is RunState.DELAYED

        time.sleep(1.0)
        halfway = status(client, run_id)
        assert halfway["status"] == "queued" and "started_at" not in halfway

        done = wait_for_status(client, run_id, "succeeded", "failed")
        assert done["status"] == "succeeded"
        assert iso(done["started_at"]) >= iso(done["created_at"]) + timedelta(seconds=2)
        assert client.get(f"{RUNS}/{run_id}/result").json()["result"] == "ran"


# ---------------------------------------------------------------- submit errors


def test_submitting_an_unknown_job_is_404_and_stores_nothing(database_url: str) -> None:
    with serve(database_url, shell_job("known", "exit 0"), worker=None) as client:
        submit(client, "known")
        before = client.get(RUNS).json()["total"]

        response = client.post(RUNS, json={"job": "no-such-job", "input": {"x": 1}})

        assert response.status_code == 404
        assert "no-such-job" in response.json()["detail"]
        assert client.get(RUNS).json()["total"] == before == 1


# ---------------------------------------------------------------- event stream


def _stream_events(client: TestClient, run_id: str) -> list[tuple[str, Any]]:
    with client.stream("GET", f"{RUNS}/{run_id}/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = "".join(response.iter_text())  # returns only when the server closes the stream
    return parse_sse(body)


def test_the_stream_sends_status_then_progress_then_the_final_status_and_result_and_closes(database_url: str) -> None:
    job = python_job(
        "steps",
        """
        import json, time
        for pct, step in [(10, "Fetching"), (50, "Processing"), (90, "Writing")]:
            print(f"::progress {pct} {step}", flush=True)
            time.sleep(0.35)
        print("::result " + json.dumps({"rows": 3}), flush=True)
        """,
    )
    with serve(database_url, job) as client:
        run_id = submit(client, "steps")
        events = _stream_events(client, run_id)

    names = [name for name, _ in events]
    assert names[0] == "status"
    assert events[0][1]["job_id"] == run_id and events[0][1]["status"] in ("queued", "running")
    assert names[-1] == "result" and events[-1][1] == {"result": {"rows": 3}}
    assert "error" not in names and "heartbeat" not in names

    percentages = [data["percentage"] for name, data in events if name == "progress"]
    assert percentages == sorted(percentages), percentages
    assert {"Fetching", "Processing", "Writing"} & {data["current_step"] for name, data in events if name == "progress"}

    statuses = [data["status"] for name, data in events if name == "status"]
    assert statuses[-1] == "succeeded"
    assert statuses.count("succeeded") == 1
    last_status = max(i for i, name in enumerate(names) if name == "status")
    assert set(names[last_status + 1 : -1]) <= {"progress"}, names
    assert events[last_status][1]["completed_at"]


def test_the_stream_of_a_failing_run_ends_with_an_error_event(database_url: str) -> None:
    job = python_job("fails", "import sys, time; time.sleep(0.3); print('cannot continue', file=sys.stderr); sys.exit(2)")
    with serve(database_url, job) as client:
        run_id = submit(client, "fails")
        events = _stream_events(client, run_id)

    assert events[0][0] == "status"
    name, data = events[-1]
    assert name == "error"
    assert "exit code 2" in data["error"].lower() and "cannot continue" in data["error"]
    assert "result" not in [n for n, _ in events]
    assert [d["status"] for n, d in events if n == "status"][-1] == "failed"


def test_the_stream_of_a_cancelled_run_ends_with_a_cancelled_event_as_praisonai_names_it(sqlite_url: str) -> None:
    job = python_job("waits", "import time; time.sleep(30)")
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "waits")
        wait_for_status(client, run_id, "running")
        client.post(f"{RUNS}/{run_id}/cancel")
        events = _stream_events(client, run_id)

    assert events[-1] == ("cancelled", {"message": "Job was cancelled"})
    assert "error" not in [n for n, _ in events]


def test_a_runs_own_timeout_stops_it_before_its_jobs(database_url: str) -> None:
    job = python_job("sleepy", "import time; time.sleep(30)", timeout_seconds=60.0)
    with serve(database_url, job) as client:
        run_id = submit(client, "sleepy", timeout=1)
        final = wait_for_status(client, run_id, "failed", timeout=20)

    assert final["error"] == "Timed out after 1 s"
    assert stored_run(database_url, run_id).state is RunState.TIMED_OUT


def test_the_stream_of_an_unknown_run_is_404(sqlite_url: str) -> None:
    with serve(sqlite_url, worker=None) as client:
        response = client.get(f"{RUNS}/run_00000000000000000000000000/stream")
        assert response.status_code == 404


def test_a_quiet_stream_sends_heartbeats() -> None:
    now = now_us()
    running = Run(id="run_quiet", job_name="quiet", state=RunState.RUNNING, created_at=now, updated_at=now, started_at=now)
    finished = Run(id="run_quiet", job_name="quiet", state=RunState.SUCCEEDED, created_at=now, updated_at=now, started_at=now, completed_at=now, progress_percentage=100.0, result=1)

    async def snapshots() -> AsyncIterator[Run]:
        for _ in range(12):  # the same snapshot for 0.6 s: nothing changes
            yield running
            await asyncio.sleep(0.05)
        yield finished

    async def collect() -> list[tuple[str, Any]]:
        return parse_sse("".join([chunk async for chunk in native.run_events(snapshots(), heartbeat_seconds=0.1)]))

    events = asyncio.run(collect())
    names = [name for name, _ in events]
    assert names[0] == "status"
    assert names.count("heartbeat") >= 2
    assert all(set(data) == {"timestamp"} for name, data in events if name == "heartbeat")  # PraisonAI's heartbeat
    assert names[-1] == "result"
    assert names.count("status") == 2  # running once (unchanged snapshots say nothing new), then succeeded


def test_a_stream_that_keeps_changing_sends_no_heartbeats() -> None:
    now = now_us()

    async def snapshots() -> AsyncIterator[Run]:
        for pct in range(0, 100, 10):
            yield Run(id="run_busy", job_name="busy", state=RunState.RUNNING, created_at=now, updated_at=now, progress_percentage=float(pct))
            await asyncio.sleep(0.05)
        yield Run(id="run_busy", job_name="busy", state=RunState.FAILED, created_at=now, updated_at=now, progress_percentage=90.0, error="Exit code 1")

    async def collect() -> list[tuple[str, Any]]:
        return parse_sse("".join([chunk async for chunk in native.run_events(snapshots(), heartbeat_seconds=0.1)]))

    names = [name for name, _ in asyncio.run(collect())]
    assert "heartbeat" not in names
    assert names[-1] == "error"


# ---------------------------------------------------------------- concurrency


def test_a_jobs_concurrency_limit_lets_only_that_many_runs_execute_at_once(database_url: str, tmp_path: Path) -> None:
    record = tmp_path / "spans.txt"
    job = python_job(
        "exclusive",
        f"""
        import os, time
        start = time.time()
        time.sleep(0.4)
        with open({str(record)!r}, "a") as f:
            f.write(f"{{os.environ['RUNYARD_RUN_ID']}} {{start}} {{time.time()}}\\n")
        """,
        concurrency=1,
    )
    settings = WorkerSettings(**{**FAST_WORKER.__dict__, "concurrency": 3})
    with serve(database_url, job, worker=settings) as client:
        run_ids = [submit(client, "exclusive") for _ in range(3)]
        seen_running = []  # one count query per sample, so a hand-over between two runs is never counted twice
        for run_id in run_ids:

            def probe(run_id: str = run_id) -> dict[str, Any] | None:
                seen_running.append(client.get(RUNS, params={"status": "running"}).json()["total"])
                current = status(client, run_id)
                return current if current["status"] in ("succeeded", "failed") else None

            assert wait_for(probe, DEADLINE_SECONDS, f"run {run_id} to finish")["status"] == "succeeded"

    assert max(seen_running) <= 1, seen_running
    spans = sorted((float(start), float(end), run_id) for run_id, start, end in (line.split() for line in record.read_text().splitlines()))
    assert sorted(run_id for *_, run_id in spans) == sorted(run_ids)
    for (_, end, first), (start, _, second) in zip(spans, spans[1:]):
        assert start >= end, f"{second} started at {start} before {first} ended at {end}"
    # Oldest first: the runs executed in the order they were submitted.
    assert [run_id for *_, run_id in spans] == run_ids


def test_runs_of_a_job_without_a_limit_execute_in_parallel(sqlite_url: str, tmp_path: Path) -> None:
    # A barrier, not a clock: each run waits (up to 30 s) until all three have started. Run one after
    # another, the first would see itself alone; timing spans were unreliable on a loaded machine.
    folder = tmp_path / "barrier"
    folder.mkdir()
    job = python_job(
        "parallel",
        f"""
        import os, pathlib, time
        folder = pathlib.Path({str(folder)!r})
        (folder / f"started-{{os.getpid()}}").touch()
        deadline = time.time() + 30
        while len(list(folder.glob("started-*"))) < 3 and time.time() < deadline:
            time.sleep(0.05)
        (folder / f"saw-{{os.getpid()}}-{{len(list(folder.glob('started-*')))}}").touch()
        """,
    )
    with serve(sqlite_url, job) as client:
        run_ids = [submit(client, "parallel") for _ in range(3)]
        for run_id in run_ids:
            wait_for_status(client, run_id, "succeeded", timeout=60)
    seen = sorted(int(path.name.rsplit("-", 1)[1]) for path in folder.glob("saw-*"))
    assert seen == [3, 3, 3], "each run should have seen all three running at once"


def test_captured_output_stays_bounded_and_keeps_its_end(sqlite_url: str) -> None:
    job = python_job(
        "chatty",
        """
        import sys
        for i in range(40_000):
            print(f"line {i:06d} " + "x" * 40)
            print(f"err {i:06d} " + "y" * 40, file=sys.stderr)
        print("the last line", flush=True)
        """,
    )
    with serve(sqlite_url, job) as client:
        run_id = submit(client, "chatty")
        assert wait_for_status(client, run_id, "succeeded", "failed")["status"] == "succeeded"
        logs = client.get(f"{RUNS}/{run_id}/logs").json()
    # About 2 MB were printed on each stream; each tail keeps its last 64 KiB.
    assert len(logs["stdout"].encode()) <= 64 * 1024 and logs["stdout"].rstrip().endswith("the last line")
    assert len(logs["stderr"].encode()) <= 64 * 1024 and "err 039999" in logs["stderr"]


def test_a_submitted_run_wakes_the_idle_embedded_worker_instead_of_waiting_for_its_poll(database_url: str) -> None:
    # A worker that would poll only once a minute: the run starts because the submit woke it.
    sleepy = WorkerSettings(**{**FAST_WORKER.__dict__, "poll_interval": 60.0, "housekeeping_interval": 60.0})
    with serve(database_url, shell_job("quick", "true"), worker=sleepy) as client:
        time.sleep(0.3)  # the worker has made its first pass and waits
        for _ in range(3):
            run_id = submit(client, "quick")
            assert wait_for_status(client, run_id, "succeeded", timeout=10.0)["status"] == "succeeded"
