"""Real `runyard serve` / `runyard worker` processes with jobs files, and the native calls tests make of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import ROOT, LiveServer, start_server, stop_server
from tests.support.waiting import wait_for


def write_jobs_file(path: Path, jobs: dict[str, dict[str, Any]]) -> Path:
    """A runyard.toml with one [jobs.NAME] table per job (JSON strings are valid TOML strings)."""

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v)

    lines = []
    for name, table in jobs.items():
        lines.append(f"[jobs.{name}]")
        lines.extend(f"{key} = {value(v)}" for key, v in table.items())
        lines.append("")
    path.write_text("\n".join(lines))
    return path


def python_job(script: str, **fields: Any) -> dict[str, Any]:
    return {"command": [sys.executable, "-c", script], **fields}


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def submit(server: LiveServer, job: str, **body: Any) -> str:
    response = httpx.post(f"{server.url}/api/v1/runs", json={"job": job, "input": {}, **body}, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def status(server: LiveServer, run_id: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/api/v1/runs/{run_id}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def attempt_of(server: LiveServer, run_id: str) -> int:
    response = httpx.get(f"{server.url}/api/v1/runs/{run_id}/logs", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["attempt"]


def total_with_status(server: LiveServer, native_status: str) -> int:
    response = httpx.get(f"{server.url}/api/v1/runs", params={"status": native_status, "page_size": 1}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["total"]


def finished_status(server: LiveServer, run_id: str, timeout: float) -> dict[str, Any]:
    return wait_for(
        lambda: (s := status(server, run_id))["status"] in ("succeeded", "failed", "cancelled") and s,
        timeout,
        f"run {run_id} to finish",
        interval=0.1,
    )


class Processes:
    """Worker subprocesses started by a test; whatever is still alive at the end is killed."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[subprocess.Popen[bytes]] = []
        self.servers: list[LiveServer] = []

    def worker(self, database_url: str, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "runyard", "worker", "--database-url", database_url, "--log-level", "warning", *args],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    def server(self, database_url: str, name: str, *args: str) -> LiveServer:
        server = start_server(database_url, self.tmp_path / f"{name}.log", *args)
        self.servers.append(server)
        return server

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()
        for server in self.servers:
            if server.process.poll() is None:
                stop_server(server)
