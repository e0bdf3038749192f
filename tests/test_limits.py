"""A request's body is bounded in size (413 before it is read whole) and in time (408 when it stops
arriving), a run's input in size (413); nothing is stored, and each API words the error its way."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from runyard.web.app import Limits, create_app
from tests.support.keys import create_keys
from tests.support.servers import LiveServer, start_server, stop_server

LIMITS = Limits(max_body_bytes=4096, max_input_bytes=1024)
BODY_PATHS = [
    ("/api/v1/runs", lambda blob: {"job": "demo", "input": {"blob": blob}}, "title"),
    ("/trigger/api/v1/tasks/demo/trigger", lambda blob: {"payload": {"blob": blob}}, "error"),
    ("/api/svc/v1/jobs/trigger", lambda blob: {"applicationId": "demo", "input": {"params": {"blob": blob}}}, "statusCode"),
]


@pytest.fixture
def server(database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    secret = create_keys(database_url, {"dev": "dev"})["dev"][1]
    with TestClient(create_app(database_url, limits=LIMITS)) as client:
        yield client, {"Authorization": f"Bearer {secret}"}


def _stored(client: TestClient) -> int:
    return int(client.get("/api/v1/runs").json()["total"])


@pytest.mark.parametrize(("path", "body", "field"), BODY_PATHS)
def test_a_body_declared_over_the_limit_is_413_and_stores_nothing(server: tuple[TestClient, dict[str, str]], path: str, body, field: str) -> None:
    client, auth = server
    response = client.post(path, json=body("x" * 5000), headers=auth)
    assert response.status_code == 413, response.text
    assert field in response.json()
    assert "larger than 4096 bytes" in response.text
    assert _stored(client) == 0


def _chunks(blob_bytes: int) -> Iterator[bytes]:
    """A submit sent without a Content-Length (chunked), its input's blob in 100-byte chunks."""
    yield b'{"job": "demo", "input": {"blob": "'
    for _ in range(blob_bytes // 100):
        yield b"x" * 100
    yield b'"}}'


def test_a_chunked_body_over_the_limit_is_413(server: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = server
    response = client.post("/api/v1/runs", content=_chunks(10_000), headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert _stored(client) == 0


def test_a_chunked_body_within_the_limit_is_taken(server: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = server
    response = client.post("/api/v1/runs", content=_chunks(500), headers={"content-type": "application/json"})
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(("path", "body", "field"), BODY_PATHS)
def test_an_input_over_its_limit_is_413_and_stores_nothing(server: tuple[TestClient, dict[str, str]], path: str, body, field: str) -> None:
    client, auth = server
    response = client.post(path, json=body("x" * 2000), headers=auth)  # under the body limit, over the input limit
    assert response.status_code == 413, response.text
    assert "limit is 1024 bytes" in response.text
    assert field in response.json() or "detail" in response.json()
    assert _stored(client) == 0


def test_an_input_within_its_limit_is_taken(server: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = server
    assert client.post("/api/v1/runs", json={"job": "demo", "input": {"blob": "x" * 900}}).status_code == 202


@pytest.fixture
def live(sqlite_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(sqlite_url, tmp_path / "serve.log", "--workers", "1", "--body-timeout", "1")
    yield server
    stop_server(server)


@pytest.mark.slow
def test_a_body_that_stops_arriving_is_dropped_with_408_after_the_read_timeout(live: LiveServer) -> None:
    port = int(live.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{}")
        started = time.monotonic()
        answer = sock.recv(65536).decode()
        waited = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 408"), answer
    assert 0.9 <= waited < 5, waited
    assert httpx.get(f"{live.url}/api/v1/runs", timeout=10).json()["total"] == 0


@pytest.mark.slow
def test_a_stream_lasts_longer_than_the_body_timeout(live: LiveServer) -> None:
    run_id = httpx.post(f"{live.url}/api/v1/runs", json={"job": "demo", "input": {"steps": 3}}, timeout=10).json()["job_id"]
    started = time.monotonic()
    with httpx.stream("GET", f"{live.url}/api/v1/runs/{run_id}/stream", timeout=30) as response:
        text = "".join(response.iter_text())
    assert time.monotonic() - started > 1.5, "the demo run ended too soon to prove anything"
    assert "event: complete" in text or "succeeded" in text, text
