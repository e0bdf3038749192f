"""What Trigger.dev's trigger options and run calls do in runyard: metadata (set at trigger, read,
changed by operations, bounded), tags.add, runs.reschedule, idempotencyKeyTTL and
idempotencyKeys.reset, maxDuration, priority, lockToVersion, machine and region, and the options
refused rather than ignored."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.store.db import open_database
from runyard.store.runs import RunStore
from runyard.web.app import create_app
from tests.support.keys import with_key_store

TRIGGER = "/trigger/api/v1/tasks/demo/trigger"
RUNS = "/trigger/api/v1/runs"


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    _, secret = with_key_store(sqlite_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(sqlite_url, worker=None), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


def _trigger(client: TestClient, **options: Any) -> str:
    answer = client.post(TRIGGER, json={"payload": {"n": 1}, "options": options})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id"])


def _retrieve(client: TestClient, run_id: str) -> dict[str, Any]:
    return dict(client.get(f"/trigger/api/v3/runs/{run_id}").json())


def _stored(url: str, run_id: str) -> Any:
    async def read() -> Any:
        db = open_database(url, run_migrations=False)
        try:
            return await RunStore(db).get(run_id)
        finally:
            await db.close()

    return asyncio.run(read())


def test_metadata_given_at_trigger_is_shown_and_read(client: TestClient) -> None:
    run_id = _trigger(client, metadata={"user": "u-1", "progress": 0})
    assert _retrieve(client, run_id)["metadata"] == {"user": "u-1", "progress": 0}
    assert client.get(f"{RUNS}/{run_id}/metadata").json() == {"metadata": {"user": "u-1", "progress": 0}, "metadataType": "application/json"}


def test_metadata_operations_apply_in_order(client: TestClient) -> None:
    run_id = _trigger(client, metadata={"n": 1, "list": [1, 2]})
    operations = [
        {"type": "increment", "key": "n", "value": 2},
        {"type": "append", "key": "list", "value": 3},
        {"type": "remove", "key": "list", "value": 1},
        {"type": "set", "key": "$.deep.er", "value": True},
        {"type": "delete", "key": "gone"},
    ]
    changed = client.put(f"{RUNS}/{run_id}/metadata", json={"operations": operations})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"metadata": {"n": 3, "list": [2, 3], "deep": {"er": True}}}
    assert _retrieve(client, run_id)["metadata"] == {"n": 3, "list": [2, 3], "deep": {"er": True}}
    replaced = client.put(f"{RUNS}/{run_id}/metadata", json={"metadata": {"only": 1}}).json()
    assert replaced == {"metadata": {"only": 1}}


def test_metadata_over_256_kib_is_413_and_nothing_changes(client: TestClient) -> None:
    run_id = _trigger(client, metadata={"a": 1})
    too_big = client.put(f"{RUNS}/{run_id}/metadata", json={"operations": [{"type": "set", "key": "big", "value": "x" * (256 * 1024)}]})
    assert (too_big.status_code, too_big.json()) == (413, {"error": "Metadata exceeds maximum size of 262144 bytes"})
    assert _retrieve(client, run_id)["metadata"] == {"a": 1}
    refused = client.post(TRIGGER, json={"payload": {}, "options": {"metadata": {"big": "x" * (256 * 1024)}}})
    assert refused.status_code == 413


def test_tags_are_added_once_and_at_most_ten_in_all(client: TestClient) -> None:
    run_id = _trigger(client, tags=["a"])
    added = client.post(f"{RUNS}/{run_id}/tags", json={"tags": ["a", "b", "c"]})
    assert added.json() == {"message": "Successfully set 2 new tags."}
    assert client.post(f"{RUNS}/{run_id}/tags", json={"tags": "b"}).json() == {"message": "No new tags to add"}
    refused = client.post(f"{RUNS}/{run_id}/tags", json={"tags": [f"t{i}" for i in range(8)]})
    assert refused.status_code == 422
    assert refused.json()["error"] == "Runs can only have 10 tags, you're trying to set 11. These tags have not been set: 't7'."
    assert sorted(_retrieve(client, run_id)["tags"]) == ["a", "b", "c"]
    long = client.post(f"{RUNS}/{run_id}/tags", json={"tags": ["x" * 129]})
    assert long.status_code == 400
    assert client.get(RUNS, params={"filter[tag]": "c"}).json()["data"][0]["id"] == run_id


def test_a_delayed_run_is_rescheduled_and_another_is_refused(client: TestClient) -> None:
    delayed = _trigger(client, delay="1h")
    moved = client.post(f"{RUNS}/{delayed}/reschedule", json={"delay": "2h"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "DELAYED"
    seconds = time.mktime(time.strptime(moved.json()["delayedUntil"][:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime())
    assert 7000 < seconds <= 7200
    queued = _trigger(client)
    refused = client.post(f"{RUNS}/{queued}/reschedule", json={"delay": "1h"})
    assert (refused.status_code, refused.json()) == (400, {"error": "Cannot reschedule a run that is not delayed"})
    past = client.post(f"{RUNS}/{delayed}/reschedule", json={"delay": "2001-01-01T00:00:00Z"})
    assert (past.status_code, past.json()) == (400, {"error": "Invalid delay: 2001-01-01T00:00:00Z"})


def test_an_idempotency_key_expires_after_its_ttl(client: TestClient) -> None:
    first = _trigger(client, idempotencyKey="k-ttl", idempotencyKeyTTL="1s")
    assert _trigger(client, idempotencyKey="k-ttl", idempotencyKeyTTL="1s") == first
    time.sleep(1.2)
    assert _trigger(client, idempotencyKey="k-ttl", idempotencyKeyTTL="1s") != first


def test_an_idempotency_key_is_reset_for_its_task(client: TestClient) -> None:
    first = _trigger(client, idempotencyKey="k-reset")
    reset = client.post("/trigger/api/v1/idempotencyKeys/k-reset/reset", json={"taskIdentifier": "demo"})
    assert (reset.status_code, reset.json()) == (200, {"id": "k-reset"})
    assert _trigger(client, idempotencyKey="k-reset") != first
    missing = client.post("/trigger/api/v1/idempotencyKeys/nobody/reset", json={"taskIdentifier": "demo"})
    assert (missing.status_code, missing.json()) == (404, {"error": "No runs found with idempotency key: nobody and task: demo"})


def test_max_duration_priority_machine_and_region_are_stored(client: TestClient, sqlite_url: str) -> None:
    run_id = _trigger(client, maxDuration=2, priority=7, machine="small-2x", region="eu-central-1")
    run = _stored(sqlite_url, run_id)
    assert (run.timeout_seconds, run.priority, run.machine, run.region) == (5, 7, "small-2x", "eu-central-1")  # maxDuration is at least 5 s
    shown = _retrieve(client, run_id)
    assert (shown["machine"], shown["region"]) == ("small-2x", "eu-central-1")


def test_lock_to_version_runs_that_version_and_an_unknown_one_is_422(client: TestClient, sqlite_url: str) -> None:
    run_id = _trigger(client, lockToVersion="1")
    assert _retrieve(client, run_id)["version"] == "1"
    refused = client.post(TRIGGER, json={"payload": {}, "options": {"lockToVersion": "99"}})
    assert (refused.status_code, refused.json()) == (422, {"error": "Task locked to version '99', but no worker found with that version."})
    odd = client.post(TRIGGER, json={"payload": {}, "options": {"lockToVersion": "20240101.1"}})
    assert odd.status_code == 422


@pytest.mark.parametrize("option", [{"debounce": {"key": "k", "delay": "5s"}}, {"concurrency": ["group-a"]}])
def test_options_runyard_cannot_honour_are_refused_not_ignored(client: TestClient, option: dict[str, Any]) -> None:
    refused = client.post(TRIGGER, json={"payload": {}, "options": option})
    assert refused.status_code == 422, refused.text
    assert "runyard" in refused.json()["error"]


def test_ready_runs_are_claimed_by_priority_then_age(client: TestClient, sqlite_url: str) -> None:
    from runyard.store.queue import RunQueue
    from runyard.timeutil import now_us

    low, high, middle, high_later = (_trigger(client, priority=p) for p in (0, 10, 5, 10))

    async def claims() -> list[str]:
        db = open_database(sqlite_url, run_migrations=False)
        try:
            queue = RunQueue(db)
            taken = [await queue.claim("w", now_us(), 30) for _ in range(4)]
            return [run.id for run in taken if run is not None]
        finally:
            await db.close()

    assert asyncio.run(claims()) == [high, high_later, middle, low]


@pytest.mark.parametrize(
    ("line", "operations"),
    [
        ('::metadata {"type": "set", "key": "step", "value": 2}', [{"type": "set", "key": "step", "value": 2}]),
        ('::metadata [{"type": "increment", "key": "n", "value": 1}, {"type": "delete", "key": "x"}]', [{"type": "increment", "key": "n", "value": 1}, {"type": "delete", "key": "x"}]),
        ("::metadata not json", None),
        ("::metadata [1, 2]", None),
    ],
)
def test_a_job_changes_its_metadata_with_metadata_lines(line: str, operations: Any) -> None:
    from runyard.executor.protocol import MetadataLine, parse_line

    parsed = parse_line(line)
    assert (parsed.operations if isinstance(parsed, MetadataLine) else None) == operations


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/trigger/realtime/v1/runs/run_01jd3k5z8q4m2x7v9w0y1z2a3b"),
        ("GET", "/trigger/realtime/v1/batches/batch_01jd3k5z8q4m2x7v9w0y1z2a3b"),
        ("GET", "/trigger/api/v1/projects/proj_1/envvars/dev"),
        ("GET", "/trigger/api/v1/queues"),
    ],
)
def test_what_runyard_does_not_have_is_404_in_trigger_devs_shape(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json={} if method == "POST" else None)
    assert (answer.status_code, answer.json()) == (404, {"error": "Not found"})


def test_an_expired_idempotency_key_makes_a_new_run_under_max_queued_too(sqlite_url: str) -> None:
    from runyard.web.app import Runs

    _, secret = with_key_store(sqlite_url, lambda store: store.create_key("dev"))
    app = create_app(sqlite_url, worker=None, runs=Runs(max_queued=100))
    with TestClient(app, headers={"Authorization": f"Bearer {secret}"}) as limited:
        first = _trigger(limited, idempotencyKey="k-queued", idempotencyKeyTTL="1s")
        time.sleep(1.2)
        assert _trigger(limited, idempotencyKey="k-queued", idempotencyKeyTTL="1s") != first
