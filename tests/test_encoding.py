"""Answers are encoded by orjson (runyard.web.encoding) and runs read on the driver itself
(runyard.store.driver): both must give back exactly what was stored, on both stores."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from runyard.web.app import create_app
from runyard.web.encoding import FastJsonifier
from tests.support.keys import with_key_store


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    _, secret = with_key_store(database_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(database_url, worker=None, background=False), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "value",
    [
        {"n": 2**70, "m": -(2**64)},  # past orjson's 64 bits: the standard encoder answers instead
        {"text": "zürich ✓ 東京", "nested": [[1.5, None, True]]},
        "a plain string",
        42,
        [],
    ],
)
def test_a_runs_input_is_answered_exactly_as_it_was_submitted(client: TestClient, value: object) -> None:
    trigger = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": value}).json()["id"]
    assert client.get(f"/trigger/api/v3/runs/{trigger}").json()["payload"] == value


def test_a_run_read_by_id_sees_a_change_committed_a_moment_before(client: TestClient) -> None:
    job = client.post("/api/v1/runs", json={"prompt": "p"}).json()["job_id"]
    assert client.post(f"/api/v1/runs/{job}/cancel").status_code == 200
    assert client.get(f"/api/v1/runs/{job}").json()["status"] == "cancelled"


def test_dates_and_non_string_keys_are_encoded_as_the_standard_encoder_does() -> None:
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    data = {"at": when, "naive": when.replace(tzinfo=None), "day": when.date(), 1: "one"}
    assert json.loads(FastJsonifier().dumps(data)) == {"at": "2026-01-02T03:04:05+00:00", "naive": "2026-01-02T03:04:05Z", "day": "2026-01-02", "1": "one"}
