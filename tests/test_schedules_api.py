"""The native schedules API (/api/v1/schedules): create, list in pages, get, change, activate,
deactivate and delete; admins only for what decides when runs happen; bad input refused with
nothing stored; and the runs a schedule fires listed with `schedule`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.store.db import open_database
from runyard.store.keys import KeyStore
from runyard.web.app import create_app
from tests.support.keys import with_key_store

SCHEDULES = "/api/v1/schedules"
WEEKDAYS = {"job": "demo", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}


def _admin(url: str, environment: str = "default") -> dict[str, str]:
    _, secret = with_key_store(url, lambda store: store.create_key(environment, admin=True))
    return {"Authorization": f"Bearer {secret}"}


def _key(url: str, environment: str) -> dict[str, str]:
    _, secret = with_key_store(url, lambda store: store.create_key(environment))
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def open_client(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        yield client


def _count(url: str) -> int:
    async def count() -> int:
        db = open_database(url, run_migrations=False)
        try:
            from runyard.store.schedules import ScheduleStore

            return (await ScheduleStore(db).page(env_id=None, job_name=None, offset=0, limit=1))[1]
        finally:
            await db.close()

    return asyncio.run(count())


def test_a_created_schedule_shows_its_expression_in_words_and_its_next_five_due_times(open_client: TestClient) -> None:
    created = open_client.post(SCHEDULES, json={**WEEKDAYS, "deduplication_key": "weekday-report"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("sched_")
    assert body["description"] == "At 09:00 AM, Monday through Friday"
    assert body["environment"] == "default" and body["active"] is True and body["declarative"] is False
    assert body["overlap"] == "allow" and body["last_run_at"] is None
    assert len(body["upcoming"]) == 5 and body["next_run_at"] == body["upcoming"][0]
    # 9:00 in Berlin is 08:00 UTC in winter, 07:00 UTC in summer.
    assert all(due[11:16] in ("07:00", "08:00") for due in body["upcoming"])
    assert open_client.get(f"{SCHEDULES}/{body['id']}").json() == body


def test_creating_with_a_used_deduplication_key_updates_that_schedule(open_client: TestClient) -> None:
    first = open_client.post(SCHEDULES, json={**WEEKDAYS, "deduplication_key": "daily"})
    second = open_client.post(SCHEDULES, json={**WEEKDAYS, "cron": "0 18 * * *", "deduplication_key": "daily"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"] and second.json()["cron"] == "0 18 * * *"
    assert open_client.get(SCHEDULES).json()["total"] == 1


def test_schedules_are_listed_oldest_first_in_numbered_pages_with_the_total(open_client: TestClient) -> None:
    made = [open_client.post(SCHEDULES, json={**WEEKDAYS, "deduplication_key": f"k{i}"}).json()["id"] for i in range(5)]
    first = open_client.get(SCHEDULES, params={"page": 1, "page_size": 2}).json()
    last = open_client.get(SCHEDULES, params={"page": 3, "page_size": 2}).json()
    beyond = open_client.get(SCHEDULES, params={"page": 4, "page_size": 2}).json()
    assert [s["id"] for s in first["schedules"]] == made[:2] and first["total"] == 5
    assert [s["id"] for s in last["schedules"]] == made[4:]
    assert beyond["schedules"] == [] and beyond["total"] == 5
    assert open_client.get(SCHEDULES, params={"job": "nope"}).json()["total"] == 0


def test_a_change_sets_the_expression_zone_and_external_id_and_is_due_by_the_new_expression(open_client: TestClient) -> None:
    schedule = open_client.post(SCHEDULES, json={**WEEKDAYS, "input": {"a": 1}}).json()
    changed = open_client.put(f"{SCHEDULES}/{schedule['id']}", json={"job": "demo", "cron": "30 6 * * *", "timezone": "America/New_York", "external_id": "u-1"})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["cron"], body["timezone"], body["external_id"], body["input"]) == ("30 6 * * *", "America/New_York", "u-1", {"a": 1})
    assert all(due[11:16] in ("10:30", "11:30") for due in body["upcoming"])  # 6:30 in New York


def test_a_deactivated_schedule_has_no_next_run_until_it_is_activated(open_client: TestClient) -> None:
    schedule = open_client.post(SCHEDULES, json=WEEKDAYS).json()
    off = open_client.post(f"{SCHEDULES}/{schedule['id']}/deactivate").json()
    assert (off["active"], off["next_run_at"], off["upcoming"]) == (False, None, [])
    on = open_client.post(f"{SCHEDULES}/{schedule['id']}/activate").json()
    assert on["active"] is True and on["next_run_at"] is not None


def test_a_deleted_schedule_is_gone(open_client: TestClient) -> None:
    schedule = open_client.post(SCHEDULES, json=WEEKDAYS).json()
    assert open_client.delete(f"{SCHEDULES}/{schedule['id']}").status_code == 204
    missing = open_client.get(f"{SCHEDULES}/{schedule['id']}")
    assert (missing.status_code, missing.json()) == (404, {"detail": f"Schedule not found: {schedule['id']}"})
    assert open_client.delete(f"{SCHEDULES}/{schedule['id']}").status_code == 404


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        ({"cron": "0 25 * * *"}, 400, "hour field"),
        ({"cron": "61 * * * *"}, 400, "minute field"),
        ({"cron": "0 9 * *"}, 400, "has 4"),
        ({"cron": "0 9 * * * *"}, 400, "has 6"),
        ({"cron": "0 0 30 2 *"}, 400, "never fires"),
        ({"timezone": "Mars/Olympus"}, 400, "Unknown time zone 'Mars/Olympus'"),
        ({"job": "no-such-job"}, 404, "Unknown job 'no-such-job'"),
    ],
)
def test_bad_input_is_refused_naming_what_is_wrong_and_nothing_is_stored(
    open_client: TestClient, database_url: str, change: dict[str, Any], status: int, says: str
) -> None:
    refused = open_client.post(SCHEDULES, json={**WEEKDAYS, **change})
    assert refused.status_code == status, refused.text
    assert says in refused.json()["detail"]
    assert _count(database_url) == 0


def test_only_an_admin_creates_or_changes_schedules_and_a_key_sees_only_its_environment(sqlite_url: str) -> None:
    admin, dev, prod = _admin(sqlite_url), _key(sqlite_url, "dev"), _key(sqlite_url, "prod")
    with TestClient(create_app(sqlite_url, require_keys=True)) as client:
        refused = client.post(SCHEDULES, json=WEEKDAYS, headers=dev)
        assert (refused.status_code, refused.json()) == (403, {"detail": "Only an admin key may create or change schedules"})
        made = client.post(SCHEDULES, json={**WEEKDAYS, "environment": "dev"}, headers=admin)
        assert made.status_code == 201 and made.json()["environment"] == "dev"
        sid = made.json()["id"]
        assert client.get(f"{SCHEDULES}/{sid}", headers=dev).status_code == 200
        assert client.get(f"{SCHEDULES}/{sid}", headers=prod).status_code == 404
        assert client.get(SCHEDULES, headers=prod).json()["total"] == 0
        assert client.get(SCHEDULES, headers=dev).json()["total"] == 1
        assert client.get(SCHEDULES, params={"environment": "dev"}, headers=prod).status_code == 403
        for method, path in (("post", f"{sid}/deactivate"), ("post", f"{sid}/activate"), ("delete", sid)):
            assert client.request(method.upper(), f"{SCHEDULES}/{path}", headers=dev).status_code == 403
        assert client.put(f"{SCHEDULES}/{sid}", json=WEEKDAYS, headers=dev).status_code == 403
        assert client.get(SCHEDULES, headers={}).status_code == 401


def test_the_runs_a_schedule_fired_are_listed_with_its_id(sqlite_url: str) -> None:
    from runyard.domain.schedules import NewSchedule
    from runyard.service import RunService
    from runyard.timeutil import now_us

    async def fire() -> str:
        db = open_database(sqlite_url, run_migrations=False)
        try:
            service = RunService(db)
            env = await KeyStore(db).environment("default")
            start = now_us() - 3 * 60 * 1_000_000
            schedule, _ = await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *"), start)
            await service.fire_schedules(now_us())
            return schedule.id
        finally:
            await db.close()

    # background=False: the app's own firing (every 0.5 s) fired the schedule's next due time too
    # whenever a minute began between this test's firing and its list (a CI run saw total 2).
    with TestClient(create_app(sqlite_url, worker=None, background=False)) as client:
        client.post("/api/v1/runs", json={"job": "demo"})  # a run no schedule fired
        schedule_id = asyncio.run(fire())
        listed = client.get("/api/v1/runs", params={"schedule": schedule_id}).json()
        assert listed["total"] == 1
        assert client.get("/api/v1/runs").json()["total"] >= 2
