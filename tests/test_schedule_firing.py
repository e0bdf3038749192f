"""Schedules fire in the store: one run per (schedule, due time) whichever number of servers fire at
once, once for a missed period after downtime, with Trigger.dev's scheduled payload, and following
the overlap policy. Real stores (both), an injected clock, two services on separate connections."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from runyard.domain import RunState
from runyard.domain.schedules import NewSchedule, Overlap
from runyard.jobs import demo_job
from runyard.runtime import install_jobs
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.store.runs import RunStore

START = int(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC).timestamp()) * 1_000_000  # 30 s past a minute
MINUTE = 60 * 1_000_000


async def _services(url: str, count: int) -> list[RunService]:
    """`count` services on connections of their own (as many servers), with the `demo` job defined."""
    services = [RunService(open_database(url, run_migrations=False)) for _ in range(count)]
    await install_jobs(services[0].db, [demo_job()])
    return services


async def _close(services: list[RunService]) -> None:
    for service in services:
        await service.db.close()


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_two_servers_firing_at_once_make_one_run_per_due_time(database_url: str) -> None:
    async def scenario() -> tuple[int, int, int]:
        one, two = await _services(database_url, 2)
        try:
            env = await one.default_environment()
            schedule, _ = await one.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *"), START)
            fired: list[Any] = []
            for minute in range(1, 4):  # three due times, both servers firing each
                now = START + minute * MINUTE
                fired += [run for runs in await asyncio.gather(one.fire_schedules(now), two.fire_schedules(now)) for run in runs]
            stored = [await RunStore(one.db).fired(schedule.id, run.scheduled_for) for run in fired]
            return len(fired), len({run.scheduled_for for run in fired}), len([run for run in stored if run is not None])
        finally:
            await _close([one, two])

    assert _run(scenario()) == (3, 3, 3)


def test_after_downtime_a_schedule_fires_once_for_the_latest_missed_time(database_url: str) -> None:
    async def scenario() -> tuple[list[Any], Any]:
        (service,) = await _services(database_url, 1)
        try:
            env = await service.default_environment()
            schedule, _ = await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *", external_id="user-7"), START)
            fired = await service.fire_schedules(START + 10 * MINUTE)  # ten due times went by
            again = await service.fire_schedules(START + 10 * MINUTE + 1)
            return fired + again, await service.schedules.get(schedule.id)
        finally:
            await _close([service])

    fired, schedule = _run(scenario())
    assert len(fired) == 1
    run = fired[0]
    latest = START - 30 * 1_000_000 + 10 * MINUTE  # 09:10:00, the last due time before 09:10:30
    assert run.scheduled_for == latest
    assert schedule.last_due_at == latest and schedule.next_due_at == latest + MINUTE
    payload = run.input
    assert set(payload) == {"scheduleId", "type", "timestamp", "lastTimestamp", "externalId", "timezone", "upcoming"}
    assert (payload["scheduleId"], payload["type"], payload["timestamp"]) == (schedule.id, "IMPERATIVE", "2026-03-02T09:10:00Z")
    assert (payload["lastTimestamp"], payload["externalId"], payload["timezone"]) == (None, "user-7", "UTC")
    assert payload["upcoming"] == [f"2026-03-02T09:{m}:00Z" for m in range(11, 16)]


def test_an_overlap_policy_of_skip_fires_nothing_while_the_previous_run_is_unfinished(database_url: str) -> None:
    async def scenario() -> tuple[int, int, str | None]:
        (service,) = await _services(database_url, 1)
        try:
            env = await service.default_environment()
            await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *", overlap=Overlap.SKIP), START)
            first = await service.fire_schedules(START + MINUTE)
            skipped = await service.fire_schedules(START + 2 * MINUTE)  # the first is still queued
            await RunStore(service.db).cancel(first[0].id)
            after = await service.fire_schedules(START + 3 * MINUTE)
            return len(skipped), len(after), after[0].input["lastTimestamp"]
        finally:
            await _close([service])

    skipped, after, last = _run(scenario())
    assert (skipped, after) == (0, 1)
    # lastTimestamp is the last time it fired (the first run's), not the time it skipped.
    assert last == datetime.fromtimestamp((START + MINUTE) // 1_000_000 // 60 * 60, UTC).isoformat().replace("+00:00", "Z")


def test_an_overlap_policy_of_replace_cancels_the_unfinished_run_and_starts_anew(database_url: str) -> None:
    async def scenario() -> tuple[RunState, int]:
        (service,) = await _services(database_url, 1)
        try:
            env = await service.default_environment()
            await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *", overlap=Overlap.REPLACE), START)
            first = await service.fire_schedules(START + MINUTE)
            second = await service.fire_schedules(START + 2 * MINUTE)
            return (await service.run(first[0].id)).state, len(second)
        finally:
            await _close([service])

    assert _run(scenario()) == (RunState.CANCELLED, 1)


def test_creating_with_an_existing_deduplication_key_updates_that_schedule(database_url: str) -> None:
    async def scenario() -> tuple[bool, bool, str, str]:
        (service,) = await _services(database_url, 1)
        try:
            env = await service.default_environment()
            first, created = await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="0 9 * * *", deduplication_key="daily"), START)
            second, again = await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="0 18 * * *", deduplication_key="daily"), START)
            return created, again, first.id, second.id + " " + second.cron
        finally:
            await _close([service])

    created, again, first_id, second = _run(scenario())
    assert (created, again) == (True, False)
    assert second == f"{first_id} 0 18 * * *"


def test_a_second_run_for_the_same_schedule_and_due_time_is_never_stored(database_url: str) -> None:
    """What makes firing exactly once: the unique index on (schedule, due time), not a lock in memory."""
    from runyard.domain import NewRun

    async def scenario() -> tuple[bool, bool, bool]:
        one, two = await _services(database_url, 2)
        try:
            env = await one.default_environment()
            new = NewRun(job_name="demo", env_id=env.id, input={}, schedule_id="sched_x", scheduled_for=START)
            (a, b) = await asyncio.gather(RunStore(one.db).insert(new), RunStore(two.db).insert(new))
            return a[1] != b[1], a[0].id == b[0].id, (await RunStore(one.db).fired("sched_x", START)) is not None
        finally:
            await _close([one, two])

    assert _run(scenario()) == (True, True, True)


def test_a_running_server_fires_a_due_schedule_within_a_second_or_two(database_url: str) -> None:
    """The app fires due schedules every half second, beside its API (runyard.web.app)."""
    import time

    from starlette.testclient import TestClient

    from runyard.timeutil import now_us
    from runyard.web.app import create_app

    with TestClient(create_app(database_url)) as client:

        async def create() -> str:
            (service,) = await _services(database_url, 1)
            try:
                env = await service.default_environment()
                # Created "an hour ago", so its first due time has passed: the server must fire it now.
                schedule, _ = await service.put_schedule(NewSchedule(env_id=env.id, job_name="demo", cron="* * * * *"), now_us() - 3600 * 1_000_000)
                return schedule.id
            finally:
                await _close([service])

        schedule_id = _run(create())
        deadline = time.monotonic() + 10
        while client.get("/api/v1/runs").json()["total"] == 0:
            assert time.monotonic() < deadline, "the server did not fire the due schedule"
            time.sleep(0.1)
        fired = client.get("/api/v1/runs").json()["jobs"]

    assert len(fired) == 1

    async def stored() -> Any:
        (service,) = await _services(database_url, 1)
        try:
            return await service.run(fired[0]["job_id"])
        finally:
            await _close([service])

    assert _run(stored()).schedule_id == schedule_id
