"""`runyard serve` will not sit open on a network: open on loopback, secured with --require-keys,
and open elsewhere only when told so (--insecure-open), with a warning at every start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import attempt_of, finished_status, submit, write_jobs_file
from tests.support.servers import ROOT, LiveServer, free_port, start_server, stop_server
from tests.support.waiting import process_gone, wait_for

pytestmark = pytest.mark.slow  # real `runyard serve` processes


def test_serve_on_a_network_address_without_keys_required_refuses_to_start_in_one_line(sqlite_url: str) -> None:
    port = str(free_port())
    done = subprocess.run(
        [sys.executable, "-m", "runyard", "serve", "--host", "0.0.0.0", "--port", port, "--database-url", sqlite_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "--require-keys" in lines[0] and "0.0.0.0" in lines[0]


@pytest.fixture
def secured(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(sqlite_url, tmp_path / "serve.log", "--host", "0.0.0.0", "--require-keys", "--workers", "0")
    yield server
    stop_server(server)


def test_serve_with_keys_required_answers_401_without_a_key_and_health_with_none(secured: LiveServer) -> None:
    response = httpx.get(f"{secured.url}/api/v1/runs", timeout=10)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert httpx.post(f"{secured.url}/api/v1/runs", json={"job": "demo"}, timeout=10).status_code == 401
    assert httpx.get(f"{secured.url}/health", timeout=10).status_code == 200


def test_serve_insecure_open_warns_and_serves_without_a_key(sqlite_url: str, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    server = start_server(sqlite_url, log, "--host", "0.0.0.0", "--insecure-open", "--workers", "0")
    try:
        assert httpx.get(f"{server.url}/api/v1/runs", timeout=10).status_code == 200
    finally:
        stop_server(server)
    assert "warning: --insecure-open" in log.read_text()


def test_serve_with_trust_proxy_answers_with_the_scheme_and_host_the_client_used(sqlite_url: str, tmp_path: Path) -> None:
    server = start_server(sqlite_url, tmp_path / "serve.log", "--trust-proxy", "--workers", "0")
    try:
        headers = {"X-Forwarded-Host": "jobs.example.com", "X-Forwarded-Proto": "https"}
        answer = httpx.post(f"{server.url}/api/v1/runs", json={"job": "demo", "delay": 3600}, headers=headers, timeout=10)
        assert answer.status_code == 202, answer.text
        run_id = answer.json()["job_id"]
        assert answer.json()["poll_url"] == f"https://jobs.example.com/api/v1/runs/{run_id}"
        assert answer.headers["location"] == f"https://jobs.example.com/api/v1/runs/{run_id}"
    finally:
        stop_server(server)


def _children(pid: int) -> list[int]:
    """The server processes uvicorn's supervisor `pid` started (not multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command and not process_gone(int(entry.name)):
            found.append(int(entry.name))
    return found


@pytest.fixture
def two_processes(pg_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"quick": {"command": ["true"]}})
    server = start_server(pg_url, tmp_path / "serve.log", "--processes", "2", "--workers", "1", "--jobs", str(jobs))
    yield server
    stop_server(server)


def test_serve_with_two_processes_runs_two_servers_on_one_port_that_run_every_run_once(two_processes: LiveServer) -> None:
    assert len(wait_for(lambda: len(_children(two_processes.process.pid)) == 2 and _children(two_processes.process.pid), 30, "two server processes")) == 2
    run_ids = [submit(two_processes, "quick") for _ in range(8)]
    assert {finished_status(two_processes, run_id, timeout=30)["status"] for run_id in run_ids} == {"succeeded"}
    assert all(attempt_of(two_processes, run_id) == 1 for run_id in run_ids)


def test_a_killed_supervisor_takes_its_server_processes_with_it(two_processes: LiveServer) -> None:
    children = wait_for(lambda: len(_children(two_processes.process.pid)) == 2 and _children(two_processes.process.pid), 30, "two server processes")
    two_processes.process.send_signal(signal.SIGKILL)
    two_processes.process.wait()
    for child in children:
        wait_for(lambda child=child: process_gone(child), 30, f"server process {child} gone")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{two_processes.url}/health", timeout=2)


@pytest.mark.parametrize(("store", "default"), [("sqlite_url", 1), ("pg_url", os.cpu_count() or 1)])
def test_serve_is_one_process_on_sqlite_and_one_per_core_on_postgresql_unless_asked(
    store: str, default: int, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNYARD_PROCESSES")
    log = tmp_path / "serve.log"
    server = start_server(request.getfixturevalue(store), log, "--workers", "0")
    try:
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
    finally:
        stop_server(server)
    assert f"{default} process(es)" in log.read_text()
