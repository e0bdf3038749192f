"""Bulk actions: cancel or replay the runs of a filter or of ids, in the background a hundred at a
time; counts on the action; filter[bulkAction]; abort; Trigger.dev's errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.domain import NewRun, RunFilter
from runyard.domain.bulk import BulkAction, BulkKind, BulkStatus, NewBulkAction
from runyard.jobs import demo_job
from runyard.runtime import install_jobs_now
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.web.app import create_app
from tests.support.keys import with_key_store

BULK = "/trigger/api/v1/bulk-actions"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    _, secret = with_key_store(database_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(database_url, worker=None), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


def _trigger(client: TestClient, n: int, **options: Any) -> list[str]:
    return [client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {"i": i}, "options": options}).json()["id"] for i in range(n)]


def _finished(client: TestClient, bulk_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        action = client.get(f"{BULK}/{bulk_id}").json()
        if action["status"] != "PENDING":
            return dict(action)
        time.sleep(0.1)
    raise AssertionError(f"bulk action {bulk_id} still pending after {timeout} s")


def _listed(client: TestClient, **params: str) -> list[dict[str, Any]]:
    found, after = [], None
    while True:
        query = {**params, "page[size]": "100", **({"page[after]": after} if after else {})}
        page = client.get("/trigger/api/v1/runs", params=query).json()
        found += page["data"]
        after = page["pagination"].get("next")
        if not after:
            return found


def test_a_bulk_cancel_by_filter_cancels_every_selected_run_in_chunks(client: TestClient) -> None:
    tagged = _trigger(client, 250, tags=["sweep"])
    kept = _trigger(client, 5)
    made = client.post(BULK, json={"action": "cancel", "filter": {"tag": "sweep", "status": ["QUEUED"]}, "name": "sweep"})
    assert made.status_code == 202, made.text
    action = _finished(client, made.json()["id"])
    assert action["status"] == "COMPLETED" and action["type"] == "CANCEL" and action["name"] == "sweep"
    assert action["counts"] == {"total": 250, "success": 250, "failure": 0}
    cancelled = _listed(client, **{"filter[bulkAction]": action["id"]})
    assert sorted(run["id"] for run in cancelled) == sorted(tagged)
    assert {run["status"] for run in cancelled} == {"CANCELED"}
    assert {client.get(f"/trigger/api/v3/runs/{run_id}").json()["status"] for run_id in kept} == {"QUEUED"}


def test_a_bulk_replay_by_ids_makes_a_run_for_each_and_counts_the_missing_as_failures(client: TestClient) -> None:
    originals = _trigger(client, 3, tags=["again"])
    made = client.post(BULK, json={"action": "replay", "runIds": [*originals, "run_00000000000000000000000000"]})
    action = _finished(client, made.json()["id"])
    assert action["counts"] == {"total": 4, "success": 3, "failure": 1}
    replays = _listed(client, **{"filter[bulkAction]": action["id"]})
    assert len(replays) == 3 and not set(run["id"] for run in replays) & set(originals)
    assert all(run["tags"] == ["again"] for run in replays)


def test_bulk_actions_are_listed_newest_first_and_a_finished_one_cannot_be_aborted(client: TestClient) -> None:
    first = client.post(BULK, json={"action": "cancel", "runIds": _trigger(client, 1)}).json()["id"]
    second = client.post(BULK, json={"action": "cancel", "runIds": _trigger(client, 1)}).json()["id"]
    _finished(client, first), _finished(client, second)
    page = client.get(BULK, params={"page[size]": "1"}).json()
    assert [a["id"] for a in page["data"]] == [second] and "next" in page["pagination"]
    older = client.get(BULK, params={"page[size]": "1", "page[after]": page["pagination"]["next"]}).json()
    assert [a["id"] for a in older["data"]] == [first]
    refused = client.post(f"{BULK}/{first}/abort")
    assert (refused.status_code, refused.json()) == (409, {"error": f"Bulk action group already completed: {first}"})


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"action": "cancel"}, "Exactly one of filter or runIds must be provided"),
        ({"action": "cancel", "filter": {"tag": "x"}, "runIds": ["run_1"]}, "Exactly one of filter or runIds must be provided"),
        ({"action": "cancel", "runIds": [f"run_{i}" for i in range(501)]}, "Too many runIds (501). Maximum is 500."),
    ],
)
def test_a_bulk_action_needs_exactly_one_selection_of_at_most_500_ids(client: TestClient, body: dict[str, Any], says: str) -> None:
    refused = client.post(BULK, json=body)
    assert refused.status_code == 400
    assert refused.json()["error"].startswith(says)


def test_another_environments_bulk_action_is_not_found(client: TestClient, database_url: str) -> None:
    bulk_id = client.post(BULK, json={"action": "cancel", "runIds": ["run_1"]}).json()["id"]
    _, other = with_key_store(database_url, lambda store: store.create_key("prod"))
    assert client.get(f"{BULK}/{bulk_id}", headers={"Authorization": f"Bearer {other}"}).status_code == 404


def test_a_bulk_filters_epoch_milliseconds_may_be_written_as_a_whole_float(client: TestClient) -> None:
    # JSON Schema counts 0.0 as an integer, so the contract lets `from: 0.0` through: it is epoch 0.
    _trigger(client, 2, tags=["floaty"])
    made = client.post(BULK, json={"action": "cancel", "filter": {"tag": "floaty", "from": 0.0}})
    assert made.status_code == 202, made.text
    assert _finished(client, made.json()["id"])["counts"] == {"total": 2, "success": 2, "failure": 0}


def test_a_server_goes_on_with_its_own_bulk_action_after_each_slice_without_waiting_for_its_lease(database_url: str) -> None:
    # Each call is one slice of work (a budget of no time: one chunk); the action's lease (a minute)
    # must not keep the server that holds it from the next slice.
    db = open_database(database_url)
    install_jobs_now(db, [demo_job()])

    async def scenario() -> tuple[list[int], BulkAction]:
        service = RunService(db)
        env = await service.default_environment()
        for _ in range(250):
            await service.submit(NewRun(job_name="demo", input=None, env_id=env.id))
        action = await service.create_bulk_action(NewBulkAction(env_id=env.id, kind=BulkKind.CANCEL, filter=RunFilter(env_id=env.id)))
        slices = [await service.process_bulk_actions("server-1", budget_seconds=0) for _ in range(4)]
        return slices, await service.bulk_action(action.id, env.id)

    slices, action = asyncio.run(scenario())
    assert slices == [1, 1, 1, 0]
    assert (action.status, action.success) == (BulkStatus.COMPLETED, 250)
