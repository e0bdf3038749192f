"""Trigger.dev's schedules API under /trigger, in its shapes: ScheduleObject, numbered pages, 422
`{error}` for a schedule that cannot be made, 404 `{error: "Schedule not found"}`, declarative
schedules refused; the public time zone list; `filter[schedule]` and a run's `schedule`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from runyard.domain.schedules import NewSchedule
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.store.keys import KeyStore
from runyard.timeutil import now_us
from runyard.web.app import create_app
from tests.support.keys import with_key_store

SCHEDULES = "/trigger/api/v1/schedules"
DAILY = {"task": "demo", "cron": "0 9 * * *", "deduplicationKey": "daily"}


@pytest.fixture
def keys(sqlite_url: str) -> dict[str, dict[str, str]]:
    def bearer(environment: str, admin: bool) -> dict[str, str]:
        _, secret = with_key_store(sqlite_url, lambda store: store.create_key(environment, admin=admin))
        return {"Authorization": f"Bearer {secret}"}

    return {"admin": bearer("prod", True), "prod": bearer("prod", False), "dev-admin": bearer("dev", True)}


@pytest.fixture
def client(sqlite_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(sqlite_url, worker=None)) as test_client:
        yield test_client


def test_a_created_schedule_is_trigger_devs_schedule_object(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    created = client.post(SCHEDULES, json={**DAILY, "timezone": "Europe/Berlin", "externalId": "user-7"}, headers=keys["admin"])
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["id"].startswith("sched_")
    assert {k: body[k] for k in ("type", "task", "active", "timezone", "deduplicationKey", "externalId")} == {
        "type": "IMPERATIVE",
        "task": "demo",
        "active": True,
        "timezone": "Europe/Berlin",
        "deduplicationKey": "daily",
        "externalId": "user-7",
    }
    assert body["generator"] == {"type": "CRON", "expression": "0 9 * * *", "description": "At 09:00 AM"}
    assert body["nextRun"].endswith("T08:00:00Z") and body["nextRunEffectiveAt"] == body["nextRun"]  # 9:00 in Berlin, winter
    assert body["environments"][0]["type"] == "PRODUCTION" and body["environments"][0]["shortcode"] == "prod"
    retrieved = client.get(f"{SCHEDULES}/{body['id']}", headers=keys["prod"]).json()
    assert set(retrieved["environments"][0]) == {"id", "type"}
    assert client.get(f"{SCHEDULES}/daily", headers=keys["prod"]).json()["id"] == body["id"]  # by its deduplication key


def test_the_list_is_newest_first_in_numbered_pages_counting_every_schedule(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    made = [client.post(SCHEDULES, json={**DAILY, "deduplicationKey": f"k{i}"}, headers=keys["admin"]).json()["id"] for i in range(3)]
    first = client.get(SCHEDULES, params={"perPage": 2}, headers=keys["prod"]).json()
    second = client.get(SCHEDULES, params={"perPage": 2, "page": 2}, headers=keys["prod"]).json()
    assert [s["id"] for s in first["data"]] == made[::-1][:2]
    assert first["pagination"] == {"currentPage": 1, "totalPages": 2, "count": 3}
    assert [s["id"] for s in second["data"]] == made[:1]
    assert first["data"][0]["externalId"] is None  # a list shows null, as Trigger.dev's does
    assert client.get(SCHEDULES, headers=keys["dev-admin"]).json()["pagination"]["count"] == 0  # one environment's


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"cron": "0 25 * * *"}, "Invalid cron expression '0 25 * * *': bad value in the hour field"),
        ({"cron": "0 9 * * * *"}, "Invalid cron expression: A cron expression has 5 fields"),
        ({"cron": "0 0 30 2 *"}, "Invalid cron expression: The cron expression '0 0 30 2 *' never fires"),
        ({"timezone": "Mars/Olympus"}, "Invalid IANA timezone: 'Mars/Olympus'. View the list of valid timezones at /trigger/api/v1/timezones"),
        ({"task": "no-such-task"}, "Task with identifier no-such-task not found in project."),
        ({"window": "30m"}, "runyard does not spread schedules within a window"),
    ],
)
def test_a_schedule_that_cannot_be_made_is_a_422_and_nothing_is_stored(client: TestClient, keys: dict[str, dict[str, str]], change: dict, error: str) -> None:
    refused = client.post(SCHEDULES, json={**DAILY, **change}, headers=keys["admin"])
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"].startswith(error)
    assert client.get(SCHEDULES, headers=keys["admin"]).json()["pagination"]["count"] == 0


def test_an_invalid_body_is_a_400_with_issues(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    refused = client.post(SCHEDULES, json={"task": "demo"}, headers=keys["admin"])
    assert refused.status_code == 400
    body = refused.json()
    assert body["error"] == "Invalid request body" and body["issues"][0]["message"]


def test_only_an_admin_key_creates_or_changes_schedules(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    refused = client.post(SCHEDULES, json=DAILY, headers=keys["prod"])
    assert (refused.status_code, refused.json()) == (403, {"error": "Only an admin key may create or change schedules"})
    sid = client.post(SCHEDULES, json=DAILY, headers=keys["admin"]).json()["id"]
    for method, path in (("POST", f"{sid}/deactivate"), ("POST", f"{sid}/activate"), ("DELETE", sid)):
        assert client.request(method, f"{SCHEDULES}/{path}", headers=keys["prod"]).status_code == 403
    assert client.get(f"{SCHEDULES}/{sid}", headers=keys["dev-admin"]).status_code == 404  # another environment's


def test_update_deactivate_activate_and_delete(client: TestClient, keys: dict[str, dict[str, str]]) -> None:
    sid = client.post(SCHEDULES, json=DAILY, headers=keys["admin"]).json()["id"]
    updated = client.put(f"{SCHEDULES}/{sid}", json={"task": "demo", "cron": "*/5 * * * *"}, headers=keys["admin"]).json()
    assert updated["generator"]["description"] == "Every 5 minutes" and updated["timezone"] == "UTC"
    off = client.post(f"{SCHEDULES}/{sid}/deactivate", headers=keys["admin"]).json()
    assert (off["active"], off["nextRun"]) == (False, None)
    assert client.post(f"{SCHEDULES}/{sid}/activate", headers=keys["admin"]).json()["active"] is True
    deleted = client.delete(f"{SCHEDULES}/{sid}", headers=keys["admin"])
    assert (deleted.status_code, deleted.json()) == (200, {"id": sid})
    gone = client.get(f"{SCHEDULES}/{sid}", headers=keys["admin"])
    assert (gone.status_code, gone.json()) == (404, {"error": "Schedule not found"})
    missing = client.put(f"{SCHEDULES}/{sid}", json={"task": "demo", "cron": "* * * * *"}, headers=keys["admin"])
    assert missing.status_code == 404


def test_time_zones_need_no_key_and_start_with_utc_unless_excluded(sqlite_url: str) -> None:
    with TestClient(create_app(sqlite_url, worker=None, require_keys=True)) as client:
        zones = client.get("/trigger/api/v1/timezones").json()["timezones"]
        without = client.get("/trigger/api/v1/timezones", params={"excludeUtc": "true"}).json()["timezones"]
    assert zones[0] == "UTC" and "Europe/Berlin" in zones and "America/New_York" in zones
    assert without == zones[1:]


def test_filter_schedule_lists_the_runs_a_schedule_fired_and_retrieve_shows_the_schedule(sqlite_url: str, keys: dict[str, dict[str, str]]) -> None:
    async def fire() -> str:
        db = open_database(sqlite_url, run_migrations=False)
        try:
            service = RunService(db)
            env = await KeyStore(db).environment("prod")
            schedule, _ = await service.put_schedule(
                NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *", external_id="u-1", deduplication_key="minutely"), now_us() - 120_000_000
            )
            await service.fire_schedules(now_us())
            return schedule.id
        finally:
            await db.close()

    # background=False: the app's own firing (every 0.5 s) would fire the schedule's next due time too
    # whenever a minute began between this test's firing and its list.
    with TestClient(create_app(sqlite_url, worker=None, background=False)) as client:
        client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {}}, headers=keys["prod"])  # no schedule's
        schedule_id = asyncio.run(fire())
        listed = client.get("/trigger/api/v1/runs", params={"filter[schedule]": schedule_id}, headers=keys["prod"]).json()["data"]
        assert len(listed) == 1
        run = client.get(f"/trigger/api/v3/runs/{listed[0]['id']}", headers=keys["prod"]).json()
    assert run["schedule"] == {
        "id": schedule_id,
        "externalId": "u-1",
        "deduplicationKey": "minutely",
        "generator": {"type": "CRON", "expression": "* * * * *", "description": "Every minute"},
    }
    assert run["payload"]["scheduleId"] == schedule_id and run["payload"]["type"] == "IMPERATIVE" and len(run["payload"]["upcoming"]) == 5
