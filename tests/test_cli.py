"""The `runyard runs` / `runyard jobs` command line, in-process (typer's CliRunner) and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from runyard.cli import app
from tests.support.servers import ROOT, LiveServer, free_port, start_server, stop_server


@pytest.fixture(scope="module")
def worker_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server with one embedded worker, and a job that reports progress."""
    folder = tmp_path_factory.mktemp("cli")
    server = start_server(f"sqlite:///{folder / 'runyard.db'}", folder / "server.log", "--workers", "1")
    script = "import time\nfor p in (25, 50, 75):\n    print(f'::progress {p} step {p}', flush=True); time.sleep(0.2)\nprint('::result {\"done\": true}')"
    httpx.put(f"{server.url}/api/v1/jobs/steps", json={"command": [sys.executable, "-c", script]}).raise_for_status()
    httpx.put(f"{server.url}/api/v1/jobs/broken", json={"command": [sys.executable, "-c", "import sys; sys.exit('it broke')"]}).raise_for_status()
    yield server
    stop_server(server)


def cli(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNYARD_URL": server.url, "COLUMNS": "120"}
    return subprocess.run([sys.executable, "-m", "runyard", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.slow  # waits for a real run executed by the server's worker
def test_submit_wait_shows_a_full_bar_and_the_result_and_exits_zero(worker_server: LiveServer) -> None:
    done = cli(worker_server, "runs", "submit", "steps", "--wait")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"done": True}
    assert "100%" in done.stderr and "succeeded" in done.stderr


@pytest.mark.slow  # waits for a real run executed by the server's worker
def test_submit_wait_of_a_failing_job_prints_its_error_and_exits_one(worker_server: LiveServer) -> None:
    done = cli(worker_server, "runs", "submit", "broken", "--wait")
    assert done.returncode == 1
    assert "it broke" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow  # waits for a real run executed by the server's worker
def test_submit_wait_json_prints_only_json(worker_server: LiveServer) -> None:
    done = cli(worker_server, "runs", "submit", "steps", "--wait", "--json")
    body = json.loads(done.stdout)
    assert body["result"] == {"done": True} and body["job_id"].startswith("run_")


def test_list_json_is_pure_json_with_the_native_shape(worker_server: LiveServer) -> None:
    cli(worker_server, "runs", "submit", "steps")
    done = cli(worker_server, "runs", "list", "--json", "--job", "steps", "--page-size", "2")
    body = json.loads(done.stdout)
    assert set(body) == {"jobs", "total", "page", "page_size", "next_cursor"} and body["page_size"] == 2
    assert len(body["jobs"]) <= 2 and body["total"] >= 1


@pytest.mark.slow  # waits for a real run executed by the server's worker
def test_status_result_logs_and_cancel_of_a_run(worker_server: LiveServer) -> None:
    run_id = json.loads(cli(worker_server, "runs", "submit", "steps", "--wait", "--json").stdout)["job_id"]
    assert json.loads(cli(worker_server, "runs", "status", run_id, "--json").stdout)["status"] == "succeeded"
    assert json.loads(cli(worker_server, "runs", "result", run_id).stdout)["result"] == {"done": True}
    assert "::progress 75 step 75" in cli(worker_server, "runs", "logs", run_id).stdout
    cancelled = cli(worker_server, "runs", "cancel", run_id)
    assert cancelled.returncode == 1 and "409" in cancelled.stderr


def test_unknown_run_is_one_clear_line_and_a_non_zero_exit(worker_server: LiveServer) -> None:
    done = cli(worker_server, "runs", "status", "run_nope")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: 404: Job not found: run_nope"


def test_unreachable_server_is_one_clear_line_without_a_traceback() -> None:
    result = CliRunner().invoke(app, ["runs", "list", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert "cannot reach runyard" in result.output and "Traceback" not in result.output


def test_invalid_status_is_refused_before_any_request() -> None:
    result = CliRunner().invoke(app, ["runs", "list", "--status", "done", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 2
    assert "invalid status 'done'" in result.output


def test_jobs_apply_defines_the_jobs_of_a_file_and_list_shows_them(worker_server: LiveServer, tmp_path: Path) -> None:
    jobs_file = tmp_path / "runyard.toml"
    jobs_file.write_text('[jobs.cli-hello]\ncommand = ["echo", "hello"]\nmax_attempts = 2\n')
    applied = CliRunner().invoke(app, ["jobs", "apply", str(jobs_file), "--url", worker_server.url])
    assert applied.exit_code == 0, applied.output
    assert "cli-hello: version 1" in applied.output
    shown = json.loads(cli(worker_server, "jobs", "show", "cli-hello").stdout)
    assert shown["command"] == ["echo", "hello"] and shown["max_attempts"] == 2
    assert any(j["name"] == "cli-hello" for j in json.loads(cli(worker_server, "jobs", "list", "--json").stdout)["jobs"])
    assert cli(worker_server, "jobs", "delete", "cli-hello").returncode == 0
    assert cli(worker_server, "jobs", "show", "cli-hello").returncode == 1
