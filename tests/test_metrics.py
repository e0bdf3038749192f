"""GET /metrics: Prometheus' text format, figures that move with the runs, a scrape that reads the
counts and never the runs, an admin's key in secured mode, and every process's observations in one
scrape under `serve --processes N`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from runyard.jobs import JobDefinition
from runyard.serving import METRICS_PREFIX, forget_stale_metrics_directories
from runyard.store.db import normalise_url
from runyard.store.driver import PostgresStatements, SQLiteStatements
from runyard.web.app import Runs, create_app
from tests.support.keys import with_key_store
from tests.support.servers import start_server, stop_server
from tests.support.waiting import wait_for
from tests.support.workers import brisk_worker
from tests.test_webhooks import Receiver

RUNS = "/api/v1/runs"
FAST_WORKER = brisk_worker(2)
QUICK = JobDefinition(name="quick", command=(sys.executable, "-c", textwrap.dedent("print('done')")), timeout_seconds=30.0, kill_grace_seconds=0.5)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_parses_as_prometheus_text_with_every_family(client: TestClient) -> None:
    assert client.post(RUNS, json={"job": "demo", "delay": 3600}).status_code == 202
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "runyard_runs",
        "runyard_queue_depth",
        "runyard_http_request_duration_seconds",
        "runyard_run_start_delay_seconds",
        "runyard_run_duration_seconds",
        "runyard_webhook_deliveries",
        "runyard_worker_slots_busy",
        "runyard_worker_slots",
    } <= names


def test_metrics_runs_by_state_and_queue_depth_follow_the_submits(client: TestClient) -> None:
    before = client.get("/metrics").text
    for _ in range(3):
        assert client.post(RUNS, json={"job": "demo", "delay": 3600}).status_code == 202
    after = client.get("/metrics").text
    assert value(after, "runyard_runs", environment="default", job="demo", state="delayed") - value(
        before, "runyard_runs", environment="default", job="demo", state="delayed"
    ) == 3
    assert value(after, "runyard_queue_depth", job="demo") - value(before, "runyard_queue_depth", job="demo") == 3


def test_metrics_label_requests_by_operation_not_by_path(client: TestClient) -> None:
    for run_id in ("run_one", "run_two", "run_three"):
        client.get(f"{RUNS}/{run_id}")
    client.get("/no/such/path/at/all")
    text = client.get("/metrics").text
    operations = {dict(labels).get("operation") for (name, labels) in samples(text) if name == "runyard_http_request_duration_seconds_count"}
    assert not any(operation and "run_one" in operation for operation in operations)
    assert "unmatched" in operations
    assert value(text, "runyard_http_request_duration_seconds_count", operation="handlers.runs.get_run_status", status="404") >= 3


def test_metrics_is_outside_the_api_like_the_docs() -> None:
    spec = Path(__file__).resolve().parent.parent / "openapi" / "runyard.yaml"
    assert not re.search(r"^  /metrics:", spec.read_text(), re.MULTILINE)


@pytest.fixture
def secured(sqlite_url: str) -> Iterator[tuple[TestClient, str, str]]:
    admin = with_key_store(sqlite_url, lambda store: store.create_key("default", admin=True))[1]
    member = with_key_store(sqlite_url, lambda store: store.create_key("default"))[1]
    with TestClient(create_app(sqlite_url, require_keys=True)) as client:
        yield client, admin, member


def test_metrics_in_secured_mode_answers_401_without_a_valid_key(secured: tuple[TestClient, str, str]) -> None:
    client, _, _ = secured
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer ry_not_a_key"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic abc"}).status_code == 401


def test_metrics_in_secured_mode_answers_403_to_a_key_that_is_not_an_admin(secured: tuple[TestClient, str, str]) -> None:
    client, _, member = secured
    assert client.get("/metrics", headers={"Authorization": f"Bearer {member}"}).status_code == 403


def test_metrics_in_secured_mode_serves_an_admin_key(secured: tuple[TestClient, str, str]) -> None:
    client, admin, _ = secured
    response = client.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert response.status_code == 200
    assert "runyard_runs" in response.text


class _Statements:
    """Every statement the store sends while recording: the hot ones on the driver and SQLAlchemy's."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sql: list[str] = []
        self.recording = False
        for cls in (SQLiteStatements, PostgresStatements):
            for method in ("one", "all"):
                monkeypatch.setattr(cls, method, self._spy(getattr(cls, method)))
        # Every engine's (the store makes one per event loop): removed by the test when it is done.
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._on_execute)

    def close(self) -> None:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._on_execute)

    def _spy(self, original: Any) -> Any:
        async def spy(hot: Any, sql: str, params: Any) -> Any:
            if self.recording:
                self.sql.append(sql)
            return await original(hot, sql, params)

        return spy

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.recording:
            self.sql.append(statement)


def _plan(url: str, sql: str) -> str:
    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with engine.connect() as conn:
            explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            return "\n".join(" ".join(str(column) for column in row) for row in conn.execute(sa.text(explain + sql)))
    finally:
        engine.dispose()


def test_metrics_scrape_reads_the_counts_and_never_the_runs_table(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    statements = _Statements(monkeypatch)
    try:
        with TestClient(create_app(database_url, background=False)) as client:
            for _ in range(5):
                assert client.post(RUNS, json={"job": "demo", "delay": 3600}).status_code == 202
            statements.recording = True
            assert client.get("/metrics").status_code == 200
            statements.recording = False
    finally:
        statements.close()
    assert len(statements.sql) == 1, statements.sql
    tables = set(re.findall(r"\b(?:FROM|JOIN)\s+(\w+)", statements.sql[0], re.IGNORECASE))
    assert tables == {"run_counts", "run_count_deltas", "environments"}, statements.sql[0]
    plan = _plan(database_url, statements.sql[0])
    assert "run_counts" in plan and not re.search(r"\bruns\b", plan), plan


@pytest.mark.slow  # real runs executed by an embedded worker pool
def test_metrics_counters_move_as_runs_are_submitted_and_finish(sqlite_url: str) -> None:
    with TestClient(create_app(sqlite_url, jobs=[QUICK], worker=FAST_WORKER)) as client:
        before = client.get("/metrics").text
        ids = [client.post(RUNS, json={"job": "quick"}).json()["job_id"] for _ in range(3)]
        for run_id in ids:
            wait_for(lambda run_id=run_id: client.get(f"{RUNS}/{run_id}").json()["status"] == "succeeded", 15, f"run {run_id} to succeed")
        after = client.get("/metrics").text

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("runyard_runs", environment="default", job="quick", state="succeeded") == 3
    assert moved("runyard_http_request_duration_seconds_count", operation="handlers.runs.submit_run", status="202") == 3
    assert moved("runyard_run_start_delay_seconds_count", job="quick") == 3
    assert moved("runyard_run_duration_seconds_count", job="quick", state="succeeded") == 3
    assert value(after, "runyard_worker_slots") >= FAST_WORKER.concurrency


@pytest.mark.slow  # a real run and its webhook delivered to a receiver on 127.0.0.1
def test_metrics_count_webhook_deliveries_by_outcome(sqlite_url: str) -> None:
    receiver = Receiver()
    try:
        app = create_app(sqlite_url, jobs=[QUICK], worker=FAST_WORKER, runs=Runs(webhook_allow_private=True))
        with TestClient(app) as client:
            before = value(client.get("/metrics").text, "runyard_webhook_deliveries_total", outcome="delivered")
            assert client.post(RUNS, json={"job": "quick", "webhook_url": receiver.url}).status_code == 202
            wait_for(lambda: receiver.deliveries, 15, "the webhook to be delivered")
            wait_for(
                lambda: value(client.get("/metrics").text, "runyard_webhook_deliveries_total", outcome="delivered") == before + 1,
                5,
                "the delivery to be counted",
            )
    finally:
        receiver.close()


@pytest.mark.slow  # a real `runyard serve --processes 2`
def test_metrics_with_several_processes_show_every_process_observations(sqlite_url: str, tmp_path: Path) -> None:
    server = start_server(sqlite_url, tmp_path / "serve.log", "--processes", "2", "--workers", "1")
    # This server's own directory (named for its supervisor's pid): other tests' servers come and go
    # in the same temporary folder at the same time.
    own = f"{METRICS_PREFIX}{server.process.pid}-*"
    try:
        assert list(Path(tempfile.gettempdir()).glob(own)), "the supervisor made its multiprocess directory"
        # /health answered from one process; the other may still be starting its workers.
        wait_for(lambda: value(httpx.get(f"{server.url}/metrics", timeout=10).text, "runyard_worker_slots") == 2, 30, "both processes' worker slots")
        submits = 12
        for _ in range(submits):  # on new connections, so that both processes answer some
            assert httpx.post(f"{server.url}{RUNS}", json={"job": "demo", "delay": 3600}, timeout=10).status_code == 202
        for _ in range(4):  # whichever process answers the scrape, it shows them all
            text = httpx.get(f"{server.url}/metrics", timeout=10).text
            assert value(text, "runyard_http_request_duration_seconds_count", operation="handlers.runs.submit_run", status="202") == submits
            assert value(text, "runyard_worker_slots") == 2  # one slot in each process: the gauge sums them
            assert value(text, "runyard_queue_depth", job="demo") == submits
    finally:
        stop_server(server)
    assert not list(Path(tempfile.gettempdir()).glob(own)), "the multiprocess directory is removed"


def test_serve_removes_the_metrics_directory_a_killed_supervisor_left(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"{METRICS_PREFIX}{gone.pid}-abc"
    live = tmp_path / f"{METRICS_PREFIX}{os.getpid()}-def"
    for directory in (stale, live):
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"")
    forget_stale_metrics_directories(str(tmp_path))
    assert not stale.exists() and live.exists()
