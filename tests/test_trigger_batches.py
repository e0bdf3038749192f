"""Trigger.dev batches: SDK 4.x's two requests (a batch, then its items as NDJSON) and SDK 3.x's one,
each item with its own options, all stored in one transaction or none; retrieve and filter[batch]."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.web.app import create_app
from tests.support.keys import with_key_store

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    _, secret = with_key_store(database_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(database_url, worker=None), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


def _lines(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item) + "\n" for item in items)


def _item(index: int, task: str = "demo", **options: Any) -> dict[str, Any]:
    return {"index": index, "task": task, "payload": json.dumps({"json": {"n": index}}), "options": {"payloadType": "application/super+json", **options}}


def _batch_runs(client: TestClient, batch_id: str) -> list[dict[str, Any]]:
    return list(client.get("/trigger/api/v1/runs", params={"filter[batch]": batch_id, "page[size]": 100}).json()["data"])


def test_a_streamed_batch_stores_every_item_as_a_run_with_its_own_options(client: TestClient) -> None:
    created = client.post("/trigger/api/v3/batches", json={"runCount": 3, "taskIdentifiers": ["demo"]})
    assert created.status_code == 202, created.text
    batch_id = created.json()["id"]
    assert created.json() == {"id": batch_id, "runCount": 3, "isCached": False} and created.headers["x-trigger-jwt"].count(".") == 2
    items = [_item(0), _item(1, tags=["second"]), _item(2, delay="1h")]
    sent = client.post(f"/trigger/api/v3/batches/{batch_id}/items", content=_lines(items), headers=NDJSON)
    assert sent.status_code == 200, sent.text
    assert sent.json() == {"id": batch_id, "itemsAccepted": 3, "itemsDeduplicated": 0, "sealed": True, "runCount": 3}
    batch = client.get(f"/trigger/api/v2/batches/{batch_id}").json()
    assert batch["status"] == "COMPLETED" and len(batch["runs"]) == 3 and batch["processing"]["errors"] == []
    runs = {run["id"]: run for run in _batch_runs(client, batch_id)}
    assert set(runs) == set(batch["runs"])
    second, third = (client.get(f"/trigger/api/v3/runs/{batch['runs'][i]}").json() for i in (1, 2))
    assert second["tags"] == ["second"] and second["payload"] == {"n": 1} and second["batchId"] == batch_id
    assert third["status"] == "DELAYED"
    again = client.post(f"/trigger/api/v3/batches/{batch_id}/items", content=_lines(items), headers=NDJSON).json()
    assert (again["itemsAccepted"], again["itemsDeduplicated"], again["sealed"]) == (0, 3, True)
    assert len(_batch_runs(client, batch_id)) == 3
    assert client.get(f"/trigger/api/v1/batches/{batch_id}").json()["status"] == "COMPLETED"


def test_an_item_of_an_unknown_task_refuses_the_whole_batch(client: TestClient) -> None:
    batch_id = client.post("/trigger/api/v3/batches", json={"runCount": 2}).json()["id"]
    refused = client.post(f"/trigger/api/v3/batches/{batch_id}/items", content=_lines([_item(0), _item(1, task="no-such-task")]), headers=NDJSON)
    assert refused.status_code == 404, refused.text
    assert _batch_runs(client, batch_id) == []
    assert client.get(f"/trigger/api/v2/batches/{batch_id}").json()["status"] == "PENDING"


def test_fewer_items_than_the_run_count_store_nothing_and_say_not_sealed(client: TestClient) -> None:
    batch_id = client.post("/trigger/api/v3/batches", json={"runCount": 3}).json()["id"]
    partial = client.post(f"/trigger/api/v3/batches/{batch_id}/items", content=_lines([_item(0), _item(1)]), headers=NDJSON).json()
    assert (partial["sealed"], partial["itemsAccepted"]) == (False, 0)
    assert _batch_runs(client, batch_id) == []


@pytest.mark.parametrize(
    ("body", "says"),
    [("not json\n", "Invalid JSON at line 1"), ('{"index": 0, "task": 5}\n', "Invalid item at index 0"), ('{"task": "demo"}\n', "`index` must be")],
)
def test_an_invalid_line_is_422_naming_it(client: TestClient, body: str, says: str) -> None:
    batch_id = client.post("/trigger/api/v3/batches", json={"runCount": 1}).json()["id"]
    refused = client.post(f"/trigger/api/v3/batches/{batch_id}/items", content=body, headers=NDJSON)
    assert refused.status_code == 422, refused.text
    assert says in refused.json()["error"]


def test_a_batch_beyond_1000_items_is_refused(client: TestClient) -> None:
    assert client.post("/trigger/api/v3/batches", json={"runCount": 1001}).status_code == 400


def test_an_sdk_3_batch_is_one_request_and_its_idempotency_key_returns_it(client: TestClient) -> None:
    body = {"items": [{"task": "demo", "payload": '{"json":{"n":0}}', "options": {"payloadType": "application/super+json"}}, {"task": "demo", "payload": {"n": 1}}]}
    first = client.post("/trigger/api/v1/tasks/batch", json=body, headers={"Idempotency-Key": "b-1"})
    assert first.status_code == 202, first.text
    answer = first.json()
    assert answer["isCached"] is False and [run["isCached"] for run in answer["runs"]] == [False, False]
    assert {run["taskIdentifier"] for run in answer["runs"]} == {"demo"}
    again = client.post("/trigger/api/v1/tasks/batch", json=body, headers={"Idempotency-Key": "b-1"}).json()
    assert again["id"] == answer["id"] and again["isCached"] is True and [r["id"] for r in again["runs"]] == [r["id"] for r in answer["runs"]]
    assert len(_batch_runs(client, answer["id"])) == 2


def test_an_items_idempotency_key_returns_its_earlier_run(client: TestClient) -> None:
    earlier = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {}, "options": {"idempotencyKey": "k-9"}}).json()["id"]
    body = {"items": [{"task": "demo", "payload": {}, "options": {"idempotencyKey": "k-9"}}, {"task": "demo", "payload": {}, "options": {"idempotencyKey": "k-9"}}, {"task": "demo", "payload": {}}]}
    runs = client.post("/trigger/api/v1/tasks/batch", json=body).json()["runs"]
    assert [run["id"] for run in runs[:2]] == [earlier, earlier] and [run["isCached"] for run in runs] == [True, True, False]


def test_another_environments_batch_is_not_found(client: TestClient, database_url: str) -> None:
    batch_id = client.post("/trigger/api/v3/batches", json={"runCount": 1}).json()["id"]
    _, other = with_key_store(database_url, lambda store: store.create_key("prod"))
    missing = client.get(f"/trigger/api/v2/batches/{batch_id}", headers={"Authorization": f"Bearer {other}"})
    assert (missing.status_code, missing.json()) == (404, {"error": "Batch not found"})


def test_the_4x_clients_one_request_batch_and_the_legacy_one_task_batch(client: TestClient) -> None:
    v2 = client.post("/trigger/api/v2/tasks/batch", json={"items": [{"task": "demo", "payload": {"n": 0}}, {"task": "demo", "payload": {"n": 1}}]})
    assert v2.status_code == 202, v2.text
    assert v2.json()["runCount"] == 2 and len(_batch_runs(client, v2.json()["id"])) == 2
    legacy = client.post("/trigger/api/v1/tasks/demo/batch", json={"items": [{"payload": {"n": 0}}, {"payload": {"n": 1}, "options": {"tags": ["second"]}}]})
    assert legacy.status_code == 200, legacy.text
    body = legacy.json()
    assert len(body["runs"]) == 2 and sorted(r["id"] for r in _batch_runs(client, body["batchId"])) == sorted(body["runs"])
    refused = client.post("/trigger/api/v1/tasks/no-such-task/batch", json={"items": [{"payload": {}}]})
    assert refused.status_code == 404
