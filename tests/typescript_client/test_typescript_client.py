"""The generated TypeScript types (generated/typescript/schema.d.ts) with openapi-fetch, against a real server.

tests/typescript_client/example.ts is a hand-written program that imports the generated types by a
relative path: it lists runs, submits a run of `demo` (with an Idempotency-Key), polls its status
until it has finished and prints the run, its statuses and its result as JSON. This test installs
the folder's pinned toolchain (typescript, openapi-fetch, @types/node) with `npm ci` when
node_modules is missing or stale, type-checks the example with `tsc --strict --noEmit` (so the
generated types must describe what the example does), compiles it to build/ and runs it with node
against a live runyard with one worker. Without npm (or node) the test is skipped with the reason.

The same toolchain type-checks the dashboard (runyard/web/ui/*.js: plain JavaScript whose JSDoc types
are imported from schema.d.ts) with `tsc --noEmit --checkJs --strict` (tsconfig.dashboard.json), so
a page that reads a field the contract does not have fails here.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import LiveServer, start_server, stop_server

pytestmark = pytest.mark.slow  # npm, tsc and a live server

HERE = Path(__file__).resolve().parent
PINNED = {"typescript": "5.9.3", "openapi-fetch": "0.17.0", "@types/node": "20.19.43"}


def _installed_version(package: str) -> str | None:
    try:
        return json.loads((HERE / "node_modules" / package / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def _needs_install() -> bool:
    """node_modules is missing, older than package.json / the lock, or holds another version of a pin."""
    marker = HERE / "node_modules" / ".package-lock.json"  # npm rewrites it on every install
    if not marker.exists() or any(_installed_version(name) != version for name, version in PINNED.items()):
        return True
    return marker.stat().st_mtime < max((HERE / name).stat().st_mtime for name in ("package.json", "package-lock.json"))


def _run(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=HERE, capture_output=True, text=True, timeout=timeout)


def _shown(proc: subprocess.CompletedProcess[str]) -> str:
    return f"{' '.join(proc.args)} exited {proc.returncode}\n--- stdout ---\n{proc.stdout[-8000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="module")
def toolchain() -> Path:
    """tests/typescript_client installed exactly as its package-lock.json says; the path of its tsc."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed: cannot check the generated TypeScript types"
        print(f"\nSKIPPING TypeScript client test: {reason}")
        pytest.skip(reason)
    # scripts/test runs with `--dist worksteal`, so this module's tests may land in several processes, each
    # with its own copy of this fixture. `npm ci` first deletes node_modules: without the lock, one
    # process's install pulled files from under another's tsc (CI saw a half-written lib.d.ts).
    with (HERE / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _needs_install():
            proc = _run(["npm", "ci", "--no-audit", "--no-fund"], timeout=300)
            assert proc.returncode == 0, _shown(proc)
    for name, version in PINNED.items():
        assert _installed_version(name) == version, f"tests/typescript_client has {name} {_installed_version(name)}, not {version}"
    return HERE / "node_modules" / "typescript" / "bin" / "tsc"


@pytest.fixture(scope="module")
def working_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server with one embedded worker, so the demo run finishes (about 3 s)."""
    tmp = tmp_path_factory.mktemp("typescript_client")
    server = start_server(f"sqlite:///{tmp / 'runyard.db'}", tmp / "server.log", "--workers", "1")
    try:
        yield server
    finally:
        stop_server(server)


def test_the_example_type_checks_strictly(toolchain: Path) -> None:
    proc = _run(["node", str(toolchain), "-p", ".", "--strict", "--noEmit"], timeout=180)
    assert proc.returncode == 0, _shown(proc)


def test_the_dashboard_scripts_type_check_strictly_against_the_generated_types(toolchain: Path) -> None:
    """runyard/web/ui/*.js: plain JavaScript whose JSDoc types come from generated/typescript/schema.d.ts."""
    proc = _run(["node", str(toolchain), "-p", "tsconfig.dashboard.json", "--noEmit", "--checkJs", "--strict"], timeout=180)
    assert proc.returncode == 0, _shown(proc)


def test_the_dashboard_type_check_catches_a_field_the_contract_does_not_have(toolchain: Path, tmp_path: Path) -> None:
    """The same check on a script that reads a run list item's field that does not exist must fail, naming it."""
    api = (HERE.parent.parent / "runyard" / "web" / "ui" / "api.js").as_posix()
    (tmp_path / "probe.js").write_text(
        f'/** @typedef {{import("{api}").RunListItem}} RunListItem */\n/** @param {{RunListItem}} run */\nexport const probe = (run) => run.no_such_field;\n'
    )
    config = {"extends": (HERE / "tsconfig.dashboard.json").as_posix(), "include": [(tmp_path / "probe.js").as_posix()]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    proc = _run(["node", str(toolchain), "-p", str(tmp_path / "tsconfig.json"), "--noEmit", "--checkJs", "--strict"], timeout=180)
    assert proc.returncode != 0, _shown(proc)
    assert "no_such_field" in proc.stdout, _shown(proc)


def test_the_example_submits_a_demo_run_and_polls_it_to_its_result(toolchain: Path, working_server: LiveServer) -> None:
    build = _run(["node", str(toolchain), "-p", "."], timeout=180)
    assert build.returncode == 0, _shown(build)
    assert (HERE / "build" / "example.js").is_file()

    proc = _run(["node", "build/example.js", working_server.url], timeout=120)
    assert proc.returncode == 0, _shown(proc)
    summary = json.loads(proc.stdout)

    assert summary["listedBefore"] == {"total": 0, "page": 1, "page_size": 10, "jobs": 0}
    submitted = summary["submitted"]
    assert submitted["httpStatus"] == 202
    assert submitted["status"] == "queued"
    job_id = submitted["job_id"]
    assert job_id.startswith("run_")
    assert submitted["location"] == submitted["poll_url"] == f"{working_server.url}/api/v1/runs/{job_id}"

    assert summary["statuses"][-1] == "succeeded", summary["statuses"]
    final = summary["final"]
    assert (final["job_id"], final["status"]) == (job_id, "succeeded")
    assert final["progress"] == {"percentage": 100, "current_step": "Done"}
    assert "retry_after" not in final and "completed_at" in final

    result = summary["result"]
    assert (result["job_id"], result["status"], result["error"]) == (job_id, "succeeded", None)
    assert result["result"] == {"echo": {"topic": "typescript"}, "steps": 3}
    assert result["duration_seconds"] > 0

    after = summary["listedAfter"]
    assert after["total"] == 1
    (item,) = after["jobs"]
    assert item.pop("duration_seconds") > 0
    assert item == {
        "job_id": job_id,
        "status": "succeeded",
        "created_at": submitted["created_at"],
        "session_id": "typescript-example",
        "progress": {"percentage": 100, "current_step": "Done"},
        "started_at": final["started_at"],
        "completed_at": final["completed_at"],
        "job": "demo",
        "environment": "default",
        "tags": ["example"],
        "attempt": 1,
    }
