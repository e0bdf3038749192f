"""Webhooks: one signed POST per finished run, retried until the receiver takes it, across restarts.

A real receiver (an HTTP server on 127.0.0.1, in this process) records every delivery and answers
as the test tells it; a real `runyard serve` with an embedded worker sends them. Loopback targets
need `--webhook-allow-private`, which these servers have; without it they are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import Processes, finished_status, python_job, status, write_jobs_file
from tests.support.servers import ROOT, free_port, stop_server
from tests.support.waiting import wait_for

pytestmark = pytest.mark.slow  # servers, workers and retries with backoff

QUICK = "print('::result ' + '{\"answer\": 42}', flush=True)"
FAILING = "import sys; print('no luck', file=sys.stderr); sys.exit(3)"


class Receiver:
    """Records each POST (headers, body); answers `refuse` with 503 first, then 200."""

    def __init__(self, port: int | None = None) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.refuse = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.refuse > 0:
                    receiver.refuse -= 1
                    self.send_response(503)
                else:
                    receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def _signing_key(database_url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "runyard", "webhook-secret", "--database-url", database_url], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _verified(key: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """The payload, after the README's verification: the HMAC of "<t>.<body>" and a recent t."""
    t, v1 = (part.split("=", 1)[1] for part in headers["x-runyard-signature"].split(","))
    expected = hmac.new(key.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, v1), "the signature does not match"
    assert abs(time.time() - int(t)) < 300
    payload: dict[str, Any] = json.loads(body)
    return payload


def _serve(procs: Processes, url: str, tmp_path: Path, name: str = "serve") -> Any:
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"quick": python_job(QUICK), "failing": python_job(FAILING)})
    return procs.server(url, name, "--workers", "1", "--jobs", str(jobs), "--webhook-allow-private")


def _submit(server: Any, job: str, hook: str, **body: Any) -> str:
    response = httpx.post(f"{server.url}/api/v1/runs", json={"job": job, "webhook_url": hook, **body}, timeout=10)
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


def test_a_finished_run_posts_one_signed_delivery_with_praisonais_payload(database_url: str, tmp_path: Path, procs: Processes, receiver: Receiver) -> None:
    server = _serve(procs, database_url, tmp_path)
    succeeded = _submit(server, "quick", receiver.url)
    failed = _submit(server, "failing", receiver.url)
    for run_id in (succeeded, failed):
        finished_status(server, run_id, 30)
    wait_for(lambda: len(receiver.deliveries) == 2, 20, "two deliveries")
    time.sleep(1.5)  # a second delivery of either would have come by now
    assert len(receiver.deliveries) == 2

    key = _signing_key(database_url)
    payloads = {p["job_id"]: p for p in (_verified(key, h, b) for h, b in receiver.deliveries)}
    assert set(payloads[succeeded]) == {"job_id", "status", "result", "error", "completed_at", "duration_seconds"}
    assert (payloads[succeeded]["status"], payloads[succeeded]["result"], payloads[succeeded]["error"]) == ("succeeded", {"answer": 42}, None)
    assert (payloads[failed]["status"], payloads[failed]["result"]) == ("failed", None)
    assert "no luck" in payloads[failed]["error"]
    assert all(h["x-runyard-delivery"].startswith("whd_") for h, _ in receiver.deliveries)

    shown = status(server, succeeded)["webhook"]
    assert (shown["url"], shown["state"], shown["attempts"], shown["last_status_code"]) == (receiver.url, "delivered", 1, 200)


def test_a_receiver_that_refuses_gets_the_delivery_again_until_it_takes_it(sqlite_url: str, tmp_path: Path, procs: Processes, receiver: Receiver) -> None:
    receiver.refuse = 2
    server = _serve(procs, sqlite_url, tmp_path)
    run_id = _submit(server, "quick", receiver.url)
    wait_for(lambda: receiver.deliveries, 30, "the delivery after two refusals (1 s, then 2 s later)")
    shown = wait_for(lambda: (w := status(server, run_id)["webhook"])["state"] == "delivered" and w, 10, "the delivery to be recorded")
    assert (shown["attempts"], shown["last_status_code"]) == (3, 200)
    assert len(receiver.deliveries) == 1


def test_a_delivery_survives_a_restart_between_finish_and_delivery(database_url: str, tmp_path: Path, procs: Processes) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook"  # nothing listens there yet: every attempt is refused
    server = _serve(procs, database_url, tmp_path)
    run_id = _submit(server, "quick", hook)
    finished_status(server, run_id, 30)
    wait_for(lambda: status(server, run_id)["webhook"]["attempts"] >= 1, 20, "a first, failed attempt")
    stop_server(server)

    receiver = Receiver(port)
    try:
        again = _serve(procs, database_url, tmp_path, "serve-again")
        wait_for(lambda: receiver.deliveries, 40, "the delivery after the restart")
        time.sleep(1.5)
        assert len(receiver.deliveries) == 1
        payload = json.loads(receiver.deliveries[0][1])
        assert (payload["job_id"], payload["status"]) == (run_id, "succeeded")
        assert status(again, run_id)["webhook"]["state"] == "delivered"
    finally:
        receiver.close()


def test_a_private_webhook_target_is_refused_unless_the_server_allows_it(client: Any) -> None:
    for url in ("http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest"):
        response = client.post("/api/v1/runs", json={"job": "demo", "webhook_url": url})
        assert response.status_code == 400, (url, response.text)
        assert "private" in response.json()["detail"]
    assert client.get("/api/v1/runs").json()["total"] == 0


def test_a_name_resolving_to_a_private_address_is_refused_when_sending(sqlite_url: str, tmp_path: Path, procs: Processes, receiver: Receiver) -> None:
    """The URL passes at submit (a name), but the worker resolves it before sending and refuses, for good."""
    import ipaddress
    import socket

    name = socket.gethostname()
    try:
        address = ipaddress.ip_address(socket.gethostbyname(name))
    except OSError:
        pytest.skip(f"this machine's name {name!r} does not resolve")
    if address.is_global:
        pytest.skip(f"this machine's name resolves to a public address ({address})")
    jobs = write_jobs_file(tmp_path / "runyard.toml", {"quick": python_job(QUICK)})
    server = procs.server(sqlite_url, "serve", "--workers", "1", "--jobs", str(jobs))  # no --webhook-allow-private
    run_id = _submit(server, "quick", f"http://{name}:{receiver.url.rsplit(':', 1)[1]}")
    shown = wait_for(lambda: (w := status(server, run_id)["webhook"])["state"] == "failed" and w, 30, "the delivery to be refused")
    assert "refused" in shown["last_error"] and "not a public address" in shown["last_error"]
    assert shown["attempts"] == 1
    assert receiver.deliveries == []
