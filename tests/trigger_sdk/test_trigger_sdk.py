"""The official Trigger.dev SDK, both lines, against a real runyard server's /trigger API.

tests/trigger_sdk/v3 pins @trigger.dev/sdk 3.3.17 (imported from "@trigger.dev/sdk/v3") and
tests/trigger_sdk/v4 pins 4.8.3 (imported from "@trigger.dev/sdk"), each with its own
package-lock.json. Both run the same checks, tests/trigger_sdk/common/sdk-check.mjs: trigger
(payload, idempotencyKey, delay, ttl, tags, maxAttempts), every list filter, auto-pagination
through 250 runs, next/previous pages, retrieve, cancel, replay, and the SDK's error classes for
a bad filter (400), another environment's run (404) and a bad key (401); with a key of the
environment `default`, list and retrieve of a run submitted through the native API without a key;
and schedules (tests/trigger_sdk/common/schedule-check.mjs): create, deduplicate, list, retrieve,
update, deactivate, activate, delete, time zones, 403 for a key that is not an admin's, 422 for a
schedule that cannot be made, and `runs.list({ schedule })` with the runs a minutely schedule fired;
and run options and calls (tests/trigger_sdk/common/run-options-check.mjs): metadata at trigger, its
operations and size limit, a running job's own metadata seen live (on a second server whose worker
runs jobs), tags.add, runs.reschedule, idempotencyKeyTTL and idempotencyKeys.reset; and batches
(tests/trigger_sdk/common/batch-check.mjs): 500 items, by id and by task, retrieve, filter[batch];
and bulk actions in 4.x (tests/trigger_sdk/common/bulk-check.mjs): a cancel over 1,000 runs by
filter, a replay by ids, poll, retrieve, list, abort.
Both lines run the script once, at the same time (each may wait up to a minute for the schedule to
fire); every test of a line reads its summary. Once per test run, not once per test process: the
first pytest-xdist worker to need the summaries makes them (two servers, five keys, both scripts:
about a minute and a half), the others wait for it and read what it wrote (`all_checked`).

The module fixture installs each line with `npm ci` from its lock when node_modules is missing,
stale or holds another version; without npm (or node) the tests are skipped with the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import ROOT, LiveServer, start_server, stop_server

pytestmark = pytest.mark.slow  # the real Trigger.dev SDKs under node

HERE = Path(__file__).resolve().parent
LINES = {"v3": "3.3.17", "v4": "4.8.3"}
PAGE_RUNS = 250
PAGE_SIZE = 20
KEYLESS_JOB = "demo"  # built into `runyard serve`


@dataclass
class SdkServer:
    server: LiveServer
    db_path: Path
    dev_key: str
    dev_admin_key: str  # schedules are made by admins
    prod_key: str
    default_key: str
    keyless_run: str  # a run of KEYLESS_JOB submitted natively without a key: it belongs to `default`
    worker_server: LiveServer  # on a database of its own, with a worker: runs there execute
    worker_key: str


@dataclass
class Checked:
    """What one run of an SDK line's sdk-check.mjs printed, and where it ran."""

    line: str
    proc: subprocess.CompletedProcess[str]
    shown: str  # the exit code, stdout and stderr, for assertion messages
    summary: dict
    db_path: Path  # the SQLite file of the server it ran against (kept after the server stopped)
    keyless_run: str  # SdkServer.keyless_run

    def to_json(self) -> dict[str, Any]:
        proc = {"args": self.proc.args, "returncode": self.proc.returncode, "stdout": self.proc.stdout, "stderr": self.proc.stderr}
        return {"line": self.line, "proc": proc, "shown": self.shown, "summary": self.summary, "db_path": str(self.db_path), "keyless_run": self.keyless_run}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Checked:
        proc = subprocess.CompletedProcess(data["proc"]["args"], data["proc"]["returncode"], data["proc"]["stdout"], data["proc"]["stderr"])
        return cls(data["line"], proc, data["shown"], data["summary"], Path(data["db_path"]), data["keyless_run"])


def _installed_version(line_dir: Path) -> str | None:
    manifest = line_dir / "node_modules" / "@trigger.dev" / "sdk" / "package.json"
    try:
        return json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _needs_install(line_dir: Path, pinned: str) -> bool:
    """node_modules is missing, older than package.json / the lock, or holds another SDK version."""
    marker = line_dir / "node_modules" / ".package-lock.json"  # npm rewrites it on every install
    if not marker.exists() or _installed_version(line_dir) != pinned:
        return True
    newest_input = max((line_dir / name).stat().st_mtime for name in ("package.json", "package-lock.json"))
    return marker.stat().st_mtime < newest_input


@pytest.fixture(scope="module")
def node_lines() -> dict[str, Path]:
    """Each SDK line installed exactly as its package-lock.json says."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed: cannot run the Trigger.dev SDK checks"
        print(f"\nSKIPPING Trigger.dev SDK tests: {reason}")
        pytest.skip(reason)
    lines = {name: HERE / name for name in LINES}
    # pytest-xdist may run this fixture in several workers at once: one `npm ci` per directory at a
    # time (a second one would delete the node_modules the first is writing), the others then find it done.
    with (HERE / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _install(lines)
    for name, line_dir in lines.items():
        assert _installed_version(line_dir) == LINES[name], f"tests/trigger_sdk/{name} has @trigger.dev/sdk {_installed_version(line_dir)}, not {LINES[name]}"
    return lines


def _install(lines: dict[str, Path]) -> None:
    installs = {
        name: subprocess.Popen(
            ["npm", "ci", "--no-audit", "--no-fund"],
            cwd=line_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, line_dir in lines.items()
        if _needs_install(line_dir, LINES[name])
    }
    for name, process in installs.items():
        try:
            output, _ = process.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"npm ci in tests/trigger_sdk/{name} did not finish in 300 s:\n{output[-4000:]}")
        if process.returncode != 0:
            pytest.fail(f"npm ci in tests/trigger_sdk/{name} failed with exit {process.returncode}:\n{output[-4000:]}")


def _create_key(database_url: str, env: str, admin: bool = False) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "runyard", "keys", "create", "--env", env, "--database-url", database_url, *(["--admin"] if admin else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"keys create --env {env} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    secret = proc.stdout.strip().splitlines()[-1].strip()
    assert secret.startswith(f"tr_{env}_"), f"unexpected key output: {proc.stdout!r}"
    return secret


@contextlib.contextmanager
def _sdk_server(tmp: Path) -> Iterator[SdkServer]:
    """A live server without workers (runs stay QUEUED/DELAYED) on a fresh SQLite file, with a dev, a prod
    and a `default` key, and a run submitted through the native API without a key."""
    db_path = tmp / "runyard.db"
    database_url = f"sqlite:///{db_path}"
    dev_key = _create_key(database_url, "dev")
    dev_admin_key = _create_key(database_url, "dev", admin=True)
    prod_key = _create_key(database_url, "prod")
    default_key = _create_key(database_url, "default")
    worker_url = f"sqlite:///{tmp / 'worker.db'}"
    worker_key = _create_key(worker_url, "dev")
    server = start_server(database_url, tmp / "server.log", "--workers", "0")
    worker_server = start_server(worker_url, tmp / "worker-server.log", "--workers", "1")
    try:
        response = httpx.post(f"{server.url}/api/v1/runs", json={"job": KEYLESS_JOB}, timeout=10)  # no Authorization header
        assert response.status_code in (200, 202), response.text
        yield SdkServer(server, db_path, dev_key, dev_admin_key, prod_key, default_key, response.json()["job_id"], worker_server, worker_key)
    finally:
        stop_server(worker_server)
        stop_server(server)


def _start_check(line_dir: Path, sdk_server: SdkServer) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    env.update(
        BASE_URL=sdk_server.server.url,
        SECRET_KEY=sdk_server.dev_key,
        ADMIN_KEY=sdk_server.dev_admin_key,
        WORKER_BASE_URL=sdk_server.worker_server.url,
        WORKER_SECRET_KEY=sdk_server.worker_key,
        OTHER_ENV_KEY=sdk_server.prod_key,
        DEFAULT_ENV_KEY=sdk_server.default_key,
        KEYLESS_RUN_ID=sdk_server.keyless_run,
        KEYLESS_RUN_JOB=KEYLESS_JOB,
        NO_COLOR="1",
    )
    return subprocess.Popen(["node", "sdk-check.mjs"], cwd=line_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stored_runs(db_path: Path, run_ids: list[str]) -> dict[str, dict]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        marks = ",".join("?" * len(run_ids))
        rows = conn.execute(f"SELECT * FROM runs WHERE id IN ({marks})", run_ids).fetchall()
    return {row["id"]: dict(row) for row in rows}


@pytest.fixture(scope="module")
def all_checked(node_lines: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked]:
    """sdk-check.mjs of both SDK lines (see _check_both), once per test run: under pytest-xdist the
    workers share the folder above their own temporary folders, and the first to get its lock runs
    the checks and writes their summaries there; the others wait for the lock and read them. Checks
    that could not be made (a fixture failure) write nothing, so the next worker tries again."""
    own = tmp_path_factory.getbasetemp()
    shared = own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own  # one folder per run either way
    written = shared / "trigger-sdk-checked.json"
    with (shared / "trigger-sdk-checked.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if written.exists():
            return {line: Checked.from_json(data) for line, data in json.loads(written.read_text()).items()}
        tmp = tmp_path_factory.mktemp("trigger_sdk")
        with _sdk_server(tmp) as sdk_server:
            checked = _check_both(node_lines, sdk_server)
        written.write_text(json.dumps({line: one.to_json() for line, one in checked.items()}))
        return checked


def _check_both(node_lines: dict[str, Path], sdk_server: SdkServer) -> dict[str, Checked]:
    """sdk-check.mjs of both SDK lines, run at the same time against the server: each waits up to a
    minute for a schedule to fire, and they wait for the same minute. Their task names, tags and
    schedule keys carry their own suffix, so neither sees the other's."""
    started = time.monotonic()
    running = {line: _start_check(node_lines[line], sdk_server) for line in sorted(LINES)}
    checked = {}
    for line, process in running.items():
        try:
            stdout, stderr = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        seconds = time.monotonic() - started
        proc = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        shown = f"node sdk-check.mjs ({line}) exited {proc.returncode} after {seconds:.1f} s\n--- stdout ---\n{stdout[-20000:]}\n--- stderr ---\n{stderr[-5000:]}"
        try:
            summary = json.loads(stdout)
        except ValueError:
            pytest.fail(f"no JSON summary:\n{shown}")
        checked[line] = Checked(line, proc, shown, summary, sdk_server.db_path, sdk_server.keyless_run)
    return checked


@pytest.fixture(params=sorted(LINES))
def checked(request: pytest.FixtureRequest, all_checked: dict[str, Checked]) -> Checked:
    """sdk-check.mjs of one SDK line (the parameter)."""
    return all_checked[request.param]


def test_trigger_sdk(checked: Checked) -> None:
    line, proc, shown, summary = checked.line, checked.proc, checked.shown, checked.summary
    assert proc.returncode == 0, shown
    assert summary["ok"] is True and summary["failed"] == [], shown
    assert summary["sdk"] == line
    assert summary["sdkVersion"] == LINES[line]

    details = summary["details"]
    pages = -(-PAGE_RUNS // PAGE_SIZE)
    assert details["triggerMany"]["runs"] == PAGE_RUNS
    assert details["autoPaginate"] == {**details["autoPaginate"], "listed": PAGE_RUNS, "unique": PAGE_RUNS, "pages": pages, "pageSize": PAGE_SIZE}
    assert details["nextAndPreviousPage"] == {"pages": pages, "lastPageSize": PAGE_RUNS % PAGE_SIZE or PAGE_SIZE}
    assert details["listFilters"]["checked"] >= 19
    assert details["retrieve"]["delayedStatus"] == "DELAYED"
    assert details["cancel"] == {"status": "CANCELED"}
    assert details["invalidStatusFilter"]["status"] == 400
    assert details["invalidStatusFilter"]["class"] == "BadRequestError"
    assert details["unknownRun"]["status"] == 404
    assert details["otherEnvironment"] == {"retrieve": 404, "otherEnv": "prod", "thisEnv": "dev"}
    assert details["invalidKey"] == {"status": 401, "class": "AuthenticationError"}

    # What the SDK sent reached the store: maxAttempts and ttl of run A, environments, the delayed run.
    runs = summary["runs"]
    stored = _stored_runs(checked.db_path, [runs[k] for k in ("A", "B", "C", "D", "R", "other")])
    assert len(stored) == 6, stored.keys()
    a = stored[runs["A"]]
    assert a["max_attempts"] == 3
    assert a["ttl_seconds"] == 600
    assert a["job_name"] == summary["tasks"]["misc"]
    assert stored[runs["C"]]["state"] == "cancelled"
    assert stored[runs["D"]]["state"] == "delayed"
    assert stored[runs["R"]]["job_name"] == a["job_name"]
    assert stored[runs["other"]]["env_id"] != a["env_id"]
    assert {stored[runs[k]]["env_id"] for k in ("A", "B", "C", "D", "R")} == {a["env_id"]}


def test_schedules_are_created_listed_retrieved_updated_deactivated_activated_and_deleted(checked: Checked) -> None:
    """schedules.create/list/retrieve/update/deactivate/activate/del (and timezones where the line has it)."""
    passed = set(checked.summary["passed"])
    wanted = {"scheduleCreate", "scheduleDeduplicate", "scheduleRetrieve", "scheduleList", "scheduleUpdate", "scheduleDeactivateActivate", "scheduleDelete"}
    assert wanted <= passed, checked.shown
    assert {"scheduleAdminOnly", "scheduleInvalid"} <= passed, checked.shown
    assert checked.summary["details"]["scheduleAdminOnly"] == {"status": 403, "class": "PermissionDeniedError"}
    assert checked.summary["details"]["scheduleInvalid"] == {"checked": 4}
    assert "timezones" in passed, checked.shown  # both pinned lines have schedules.timezones()


@pytest.mark.parametrize(
    "name",
    ["metadataAtTrigger", "metadataOperations", "metadataTooLarge", "tagsAdd", "reschedule", "idempotencyKeyTTL", "metadataWhileRunning", "maxDuration", "priority"],
)
def test_run_options_and_calls(checked: Checked, name: str) -> None:
    if name == "priority" and checked.line == "v3":
        pytest.skip("SDK 3.x has no priority option")
    """Metadata (at trigger, operations, the size limit, a running job's own), tags.add, reschedule,
    idempotencyKeyTTL, maxDuration (a run stopped TIMED_OUT) and priority (the higher one claimed first)."""
    assert name in checked.summary["passed"], checked.shown


def test_a_batch_of_500_is_every_run_once_by_filter_batch(checked: Checked) -> None:
    assert "batchTrigger500" in checked.summary["passed"], checked.shown
    assert checked.summary["details"]["batchTrigger500"] == {"listed": 500, "unique": 500, "status": "COMPLETED"}


@pytest.mark.parametrize("name", ["batchTriggerById", "batchTriggerByTask"])
def test_batches_by_id_and_by_task_keep_each_items_options(checked: Checked, name: str) -> None:
    assert name in checked.summary["passed"], checked.shown


@pytest.mark.parametrize("name", ["bulkCancelByFilter", "bulkReplayByIds"])
def test_bulk_actions_in_the_line_that_has_them(checked: Checked, name: str) -> None:
    """runs.bulk (4.x only): a cancel over 1,000 runs by filter, each listed once by bulkAction; a replay by ids."""
    if checked.line == "v3":
        pytest.skip("SDK 3.x has no runs.bulk")
    assert name in checked.summary["passed"], checked.shown
    if name == "bulkCancelByFilter":
        assert checked.summary["details"][name] == {"total": 1000, "listed": 1000}


def test_idempotency_keys_reset_where_the_line_has_it(checked: Checked) -> None:
    if checked.line == "v3":
        assert "idempotencyKeyReset" not in checked.summary["passed"] and not any(f["check"] == "idempotencyKeyReset" for f in checked.summary["failed"])
    else:
        assert "idempotencyKeyReset" in checked.summary["passed"], checked.shown


def test_runs_list_by_schedule_returns_the_runs_the_schedule_fired(checked: Checked) -> None:
    assert "scheduleRuns" in checked.summary["passed"], checked.shown
    assert checked.summary["details"]["scheduleRuns"]["fired"] >= 1


def test_a_default_key_lists_and_retrieves_a_run_submitted_natively_without_a_key(checked: Checked) -> None:
    """runs.list() and runs.retrieve(id) under a key of `default` (check keylessNativeRun) see the keyless native run."""
    assert "keylessNativeRun" in checked.summary["passed"], checked.shown
    run_id = checked.keyless_run
    assert checked.summary["details"]["keylessNativeRun"] == {"listed": run_id, "retrieved": run_id, "taskIdentifier": KEYLESS_JOB, "env": "default"}


# --- queues and concurrency keys, triggered through the SDK, on three real workers ---------------

SPAN = """\
import fcntl, json, os, sys, time
key = ["a", "b"][json.load(sys.stdin)["i"] % 2] if os.environ.get("KEYED") else "-"
def note(kind):
    with open(os.environ["SPANS"], "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX); f.write(f"{kind} {time.time()} {key}\\n"); f.flush(); fcntl.flock(f, fcntl.LOCK_UN)
note("start"); time.sleep(0.8); note("end")
"""


@pytest.mark.parametrize(("limit", "keys"), [(2, ""), (1, "a,b")], ids=["queue limit 2", "limit 1 per concurrency key"])
def test_a_queue_limit_holds_across_three_workers_on_postgresql_for_runs_the_sdk_triggered(
    node_lines: dict[str, Path], pg_url: str, tmp_path: Path, procs: Any, limit: int, keys: str
) -> None:
    from tests.support.processes import python_job, write_jobs_file
    from tests.support.waiting import wait_for

    spans = tmp_path / "spans.txt"
    spans.touch()
    env = {"SPANS": str(spans), **({"KEYED": "1"} if keys else {})}
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"slow": python_job(SPAN, env=env, timeout_seconds=60)})
    jobs.write_text(jobs.read_text() + f"\n[queues.narrow]\nconcurrency_limit = {limit}\n")
    server = procs.server(pg_url, "serve", "--workers", "0", "--jobs", str(jobs))
    workers = [procs.worker(pg_url, f"worker-{i}", "--jobs", str(jobs), "--concurrency", "3") for i in range(3)]
    for i in range(3):
        wait_for(lambda i=i: "runyard worker on" in procs.log(f"worker-{i}"), 30, f"worker-{i} to start")
    key = _create_key(pg_url, "dev")
    environment = {**os.environ, "BASE_URL": server.url, "SECRET_KEY": key, "TASK": "slow", "QUEUE": "narrow", "COUNT": "8", "KEYS": keys}
    proc = subprocess.run(["node", "queue-trigger.mjs"], cwd=node_lines["v4"], env=environment, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    run_ids = json.loads(proc.stdout)
    assert len(run_ids) == 8

    def done() -> bool:
        assert all(w.poll() is None for w in workers), "a worker exited"
        return spans.read_text().count("end ") == 8

    wait_for(done, 90, "8 runs to finish", interval=0.5)
    events = sorted((float(stamp), kind, run_key) for kind, stamp, run_key in (line.split() for line in spans.read_text().splitlines()))
    for group in sorted({run_key for _, _, run_key in events}):
        running = list(itertools.accumulate(1 if kind == "start" else -1 for _, kind, run_key in events if run_key == group))
        assert max(running) == limit, f"{group}: at most {limit} at once, saw {max(running)}"
