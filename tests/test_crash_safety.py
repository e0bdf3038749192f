"""Acknowledged means durable: a server killed with SIGKILL under submit load loses no run it answered 202 for.

Four clients submit as fast as the server takes them; the server is killed mid-stream, three times,
and restarted on the same store. Every run that was acknowledged must be there afterwards. Requests
the kill cut short were never acknowledged: their clients saw an error, and may or may not find a
run (the commit may have happened just before the answer was lost).
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.processes import Processes

pytestmark = pytest.mark.slow  # servers killed and restarted

KILLS = 3


class Submitters:
    """`count` clients submitting runs back to back; the ids of those acknowledged with 202."""

    def __init__(self, base_url: str, count: int = 4) -> None:
        self.base_url = base_url
        self.acknowledged: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._submit, daemon=True) for _ in range(count)]

    def __enter__(self) -> Submitters:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _submit(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self.stop.is_set():
                try:
                    response = client.post("/api/v1/runs", json={"job": "demo", "input": {"n": 1}, "delay": 3600})
                except httpx.TransportError:
                    continue  # the server is gone: not acknowledged
                if response.status_code == 202:
                    self.acknowledged.append(response.json()["job_id"])


def test_a_server_killed_under_submit_load_loses_no_acknowledged_run(database_url: str, tmp_path: Path, procs: Processes) -> None:
    acknowledged: list[str] = []
    for kill in range(KILLS):
        server = procs.server(database_url, f"serve-{kill}", "--workers", "0")
        with Submitters(server.url) as submitters:
            # Kill only once runs are flowing, so that requests are in flight when it happens.
            while len(submitters.acknowledged) < 100:
                assert server.process.poll() is None, procs.log(f"serve-{kill}")
                threading.Event().wait(0.01)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(10)
        acknowledged.extend(submitters.acknowledged)

    survivor = procs.server(database_url, "serve-after", "--workers", "0")
    with httpx.Client(base_url=survivor.url, timeout=30) as client:
        missing = [run_id for run_id in acknowledged if client.get(f"/api/v1/runs/{run_id}").status_code != 200]
        total = client.get("/api/v1/runs", params={"page_size": 1}).json()["total"]
    print(f"{len(acknowledged)} runs acknowledged across {KILLS} SIGKILLs of the server: {len(missing)} lost, {total} stored")
    assert missing == []
    assert total >= len(acknowledged)
