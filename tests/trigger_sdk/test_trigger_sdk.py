"""The official Trigger.dev SDK, both lines, against a real runyard server's /trigger API.

tests/trigger_sdk/v3 pins @trigger.dev/sdk 3.3.17 (imported from "@trigger.dev/sdk/v3") and
tests/trigger_sdk/v4 pins 4.8.3 (imported from "@trigger.dev/sdk"), each with its own
package-lock.json. Both run the same checks, tests/trigger_sdk/common/sdk-check.mjs: trigger
(payload, idempotencyKey, delay, ttl, tags, maxAttempts), every list filter, auto-pagination
through 250 runs, next/previous pages, retrieve, cancel, replay, and the SDK's error classes for
a bad filter (400), another environment's run (404) and a bad key (401); and, with a key of the
environment `default`, list and retrieve of a run submitted through the native API without a key.
Each line runs the script once; every test of the line reads its summary.

The module fixture installs each line with `npm ci` from its lock when node_modules is missing,
stale or holds another version; without npm (or node) the tests are skipped with the reason.
"""

from __future__ import annotations

import fcntl
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
    prod_key: str
    default_key: str
    keyless_run: str  # a run of KEYLESS_JOB submitted natively without a key: it belongs to `default`


@dataclass
class Checked:
    """What one run of an SDK line's sdk-check.mjs printed."""

    line: str
    proc: subprocess.CompletedProcess[str]
    shown: str  # the exit code, stdout and stderr, for assertion messages
    summary: dict


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


def _create_key(database_url: str, env: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "runyard", "keys", "create", "--env", env, "--database-url", database_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, f"keys create --env {env} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    secret = proc.stdout.strip().splitlines()[-1].strip()
    assert secret.startswith(f"tr_{env}_"), f"unexpected key output: {proc.stdout!r}"
    return secret


@pytest.fixture(scope="module")
def sdk_server(node_lines: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[SdkServer]:
    """A live server without workers (runs stay QUEUED/DELAYED) on a fresh SQLite file, with a dev, a prod
    and a `default` key, and a run submitted through the native API without a key."""
    tmp = tmp_path_factory.mktemp("trigger_sdk")
    db_path = tmp / "runyard.db"
    database_url = f"sqlite:///{db_path}"
    dev_key = _create_key(database_url, "dev")
    prod_key = _create_key(database_url, "prod")
    default_key = _create_key(database_url, "default")
    server = start_server(database_url, tmp / "server.log", "--workers", "0")
    try:
        response = httpx.post(f"{server.url}/api/v1/runs", json={"job": KEYLESS_JOB}, timeout=10)  # no Authorization header
        assert response.status_code in (200, 202), response.text
        yield SdkServer(server, db_path, dev_key, prod_key, default_key, response.json()["job_id"])
    finally:
        stop_server(server)


def _run_check(line_dir: Path, sdk_server: SdkServer) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIGGER_")}
    env.update(
        BASE_URL=sdk_server.server.url,
        SECRET_KEY=sdk_server.dev_key,
        OTHER_ENV_KEY=sdk_server.prod_key,
        DEFAULT_ENV_KEY=sdk_server.default_key,
        KEYLESS_RUN_ID=sdk_server.keyless_run,
        KEYLESS_RUN_JOB=KEYLESS_JOB,
        NO_COLOR="1",
    )
    started = time.monotonic()
    proc = subprocess.run(["node", "sdk-check.mjs"], cwd=line_dir, env=env, capture_output=True, text=True, timeout=180)
    return proc, time.monotonic() - started


def _stored_runs(db_path: Path, run_ids: list[str]) -> dict[str, dict]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        marks = ",".join("?" * len(run_ids))
        rows = conn.execute(f"SELECT * FROM runs WHERE id IN ({marks})", run_ids).fetchall()
    return {row["id"]: dict(row) for row in rows}


@pytest.fixture(scope="module", params=sorted(LINES))
def checked(request: pytest.FixtureRequest, node_lines: dict[str, Path], sdk_server: SdkServer) -> Checked:
    """sdk-check.mjs of one SDK line (the parameter), run once against the server."""
    line = request.param
    proc, seconds = _run_check(node_lines[line], sdk_server)
    shown = f"node sdk-check.mjs ({line}) exited {proc.returncode} after {seconds:.1f} s\n--- stdout ---\n{proc.stdout[-20000:]}\n--- stderr ---\n{proc.stderr[-5000:]}"
    try:
        summary = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"no JSON summary:\n{shown}")
    return Checked(line, proc, shown, summary)


def test_trigger_sdk(checked: Checked, sdk_server: SdkServer) -> None:
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
    stored = _stored_runs(sdk_server.db_path, [runs[k] for k in ("A", "B", "C", "D", "R", "other")])
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


def test_a_default_key_lists_and_retrieves_a_run_submitted_natively_without_a_key(checked: Checked, sdk_server: SdkServer) -> None:
    """runs.list() and runs.retrieve(id) under a key of `default` (check keylessNativeRun) see the keyless native run."""
    assert "keylessNativeRun" in checked.summary["passed"], checked.shown
    run_id = sdk_server.keyless_run
    assert checked.summary["details"]["keylessNativeRun"] == {"listed": run_id, "retrieved": run_id, "taskIdentifier": KEYLESS_JOB, "env": "default"}
