"""Every run belongs to an environment: keyless runs to `default`, idempotency keys unique per environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.store.keys import ApiKey
from runyard.web.app import create_app
from tests.support.keys import create_keys


@pytest.fixture
def app(database_url: str) -> Iterator[tuple[TestClient, dict[str, tuple[ApiKey, str]]]]:
    keys = create_keys(database_url, {"default": "default", "prod": "prod"})
    with TestClient(create_app(database_url)) as client:
        yield client, keys


def bearer(keys: dict[str, tuple[ApiKey, str]], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[role][1]}"}


def submit_natively(client: TestClient, **headers: str) -> dict[str, Any]:
    response = client.post("/api/v1/runs", json={"job": "demo", "input": {"n": 1}}, headers=headers)
    assert response.status_code in (200, 202), response.text
    return response.json()


def test_a_run_submitted_without_a_key_is_in_the_default_environment_for_every_dialect(app: tuple[TestClient, Any]) -> None:
    client, keys = app
    run_id = submit_natively(client)["job_id"]
    listed = client.get("/trigger/api/v1/runs", headers=bearer(keys, "default")).json()["data"]
    assert [run["id"] for run in listed] == [run_id]
    assert listed[0]["env"]["name"] == "default"
    assert client.get(f"/trigger/api/v3/runs/{run_id}", headers=bearer(keys, "default")).json()["payload"] == {"n": 1}
    job_runs = client.get("/api/svc/v1/jobs/demo/runs", headers=bearer(keys, "default")).json()["data"]
    assert [run["id"] for run in job_runs] == [run_id]


def test_another_environment_does_not_see_a_keyless_run(app: tuple[TestClient, Any]) -> None:
    client, keys = app
    run_id = submit_natively(client)["job_id"]
    assert client.get("/trigger/api/v1/runs", headers=bearer(keys, "prod")).json()["data"] == []
    assert client.get(f"/trigger/api/v3/runs/{run_id}", headers=bearer(keys, "prod")).status_code == 404


def test_an_idempotency_key_names_a_run_of_its_own_environment_only(app: tuple[TestClient, Any]) -> None:
    client, keys = app
    trigger = {"payload": {"n": 2}, "options": {"idempotencyKey": "nightly"}}
    prod_run = client.post("/trigger/api/v1/tasks/demo/trigger", json=trigger, headers=bearer(keys, "prod")).json()["id"]
    prod_env = keys["prod"][0].environment.id
    # Neither the bare key nor one written as `<environment id>:<key>` reaches prod's run from elsewhere.
    for forged in ("nightly", f"{prod_env}:nightly"):
        native = submit_natively(client, **{"Idempotency-Key": forged})
        assert native["job_id"] != prod_run
    same = client.post("/trigger/api/v1/tasks/demo/trigger", json=trigger, headers=bearer(keys, "prod")).json()
    assert same == {"id": prod_run, "isCached": True}
    assert client.get(f"/trigger/api/v3/runs/{prod_run}", headers=bearer(keys, "prod")).json()["idempotencyKey"] == "nightly"
