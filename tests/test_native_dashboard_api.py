"""The native API's extensions for a runs dashboard (issue 18): list filters and cursor pages, a run's
details, replay, the overview and a job's versions.

The specification is openapi/runyard.yaml (each operation's "runyard extension" description). The app
runs in-process without a worker over SQLite and over PostgreSQL (`yard`), shared per module and
backend; each test sees it through environments of its own (`dev-<n>`, `prod-<n>`), with a key each.
A request without a key is an admin's (the server is open), as `runyard serve` on a laptop. A run
that needs another state or time gets its row changed directly, as a worker would change it. The
last test executes a replayed run with a real worker.
"""

from __future__ import annotations

import itertools
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.jobs import JobDefinition, demo_job
from runyard.store.keys import ApiKey
from runyard.timeutil import now_us, to_iso
from runyard.web.app import create_app
from tests.support.databases import pg_database, sqlite_database
from tests.support.keys import create_keys
from tests.support.waiting import wait_for
from tests.support.workers import brisk_worker
from tests.support.yard import Rows, Store, open_store

RUNS = "/api/v1/runs"
OVERVIEW = "/api/v1/overview"
JOBS = [demo_job(), JobDefinition(name="email", command=("true",)), JobDefinition(name="report", command=("true",))]
NO_SUCH_RUN = "run_01jd3k5z8q4m2x7v9w0y1z2a3b"
HOUR_US = 3600 * 1_000_000
STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


# ---------------------------------------------------------------- the app, its keys, its rows


@dataclass
class Yard(Rows):
    """The shared app, seen through a fresh `dev` and a fresh `prod` environment, a key each."""

    succeeded_result: ClassVar[Any] = {"ok": True}
    exit_codes: ClassVar[bool] = True

    client: TestClient
    url: str
    engine: sa.Engine
    keys: dict[str, tuple[ApiKey, str]]

    def auth(self, env: str | None = "dev") -> dict[str, str]:
        """The key of `dev` or `prod`; None: no key, an admin's request on this open server."""
        return {"Authorization": f"Bearer {self.keys[env][1]}"} if env is not None else {}

    def name(self, env: str = "dev") -> str:
        return self.keys[env][0].environment.name

    def submit(self, env: str = "dev", job: str = "demo", **body: Any) -> str:
        response = self.client.post(RUNS, json={"job": job, **body}, headers=self.auth(env))
        assert response.status_code == 202, response.text
        return str(response.json()["job_id"])

    def get(self, path: str, env: str | None = "dev", **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.auth(env))

    def listed(self, env: str | None = "dev", **params: Any) -> dict[str, Any]:
        response = self.get(RUNS, env, **params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ids(self, env: str | None = "dev", **params: Any) -> list[str]:
        return [job["job_id"] for job in self.listed(env, page_size=100, **params)["jobs"]]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[Store]:
    with open_store(sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("dashboard") / "runyard.db"), JOBS) as store:
        yield store


@pytest.fixture(scope="module")
def postgresql_store(pg_server: str, pg_template_name: str) -> Iterator[Store]:
    with pg_database(pg_server, pg_template_name, "runyard_dashboard") as url, open_store(url, JOBS) as store:
        yield store


_environment_numbers = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def yard(request: pytest.FixtureRequest) -> Yard:
    """Fresh environments on SQLite and on PostgreSQL."""
    store: Store = request.getfixturevalue(f"{request.param}_store")
    n = next(_environment_numbers)
    return Yard(store.client, store.url, store.engine, create_keys(store.url, {"dev": f"dash-dev-{n}", "prod": f"dash-prod-{n}"}))


def iso_us(us: int) -> str:
    """A time as RFC 3339 with microseconds, so a bound is exact."""
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------- list: filters


def test_tag_filter_lists_and_counts_only_the_runs_carrying_the_tag(yard: Yard) -> None:
    tagged = [yard.submit(tags=["nightly"]), yard.submit(tags=["nightly", "eu"])]
    yard.submit(tags=["eu"])
    yard.submit()

    body = yard.listed(tag="nightly")

    assert [job["job_id"] for job in body["jobs"]] == tagged[::-1]
    assert body["total"] == 2
    assert [job["tags"] for job in body["jobs"]] == [["nightly", "eu"], ["nightly"]]


def test_created_after_and_created_before_are_inclusive_bounds(yard: Yard) -> None:
    base = now_us() - 10 * HOUR_US
    made = [yard.submit() for _ in range(4)]
    for i, run_id in enumerate(made):
        yard.set_row(run_id, created_at=base + i * HOUR_US)

    between = yard.listed(created_after=iso_us(base + HOUR_US), created_before=iso_us(base + 2 * HOUR_US))
    after = yard.ids(created_after=iso_us(base + 2 * HOUR_US))
    before = yard.ids(created_before=iso_us(base + HOUR_US - 1))

    assert [job["job_id"] for job in between["jobs"]] == [made[2], made[1]]
    assert between["total"] == 2
    assert after == [made[3], made[2]]
    assert before == [made[0]]


def test_a_time_bound_with_an_offset_means_that_instant(yard: Yard) -> None:
    base = (now_us() // HOUR_US - 5) * HOUR_US
    run_id = yard.submit()
    yard.set_row(run_id, created_at=base)
    two_hours_east = datetime.fromtimestamp(base / 1_000_000, tz=timezone(timedelta(hours=2))).isoformat()  # ...+02:00

    assert yard.ids(created_after=two_hours_east, created_before=two_hours_east) == [run_id]


@pytest.mark.parametrize("bound", ["yesterday", "2025-13-01T00:00:00Z", "2025-01-01"])
def test_a_time_bound_that_is_not_an_rfc_3339_date_time_is_400(yard: Yard, bound: str) -> None:
    response = yard.get(RUNS, created_after=bound)

    assert response.status_code == 400
    assert "created_after" in response.json()["detail"]


def test_the_new_filters_combine_with_status_and_job(yard: Yard) -> None:
    wanted = yard.submit(job="report", tags=["q3"])
    yard.put_in_state(wanted, "succeeded")
    yard.put_in_state(yard.submit(job="report", tags=["q3"]), "failed")
    yard.put_in_state(yard.submit(job="email", tags=["q3"]), "succeeded")

    body = yard.listed(tag="q3", status="succeeded", job="report", created_after=iso_us(now_us() - HOUR_US))

    assert ([job["job_id"] for job in body["jobs"]], body["total"]) == ([wanted], 1)


# ---------------------------------------------------------------- list: the items' extensions


def test_list_items_name_their_job_and_environment_and_show_tags_duration_and_attempt(yard: Yard) -> None:
    finished = yard.submit(job="report", tags=["a", "b"])
    yard.put_in_state(finished, "succeeded")  # ran 2 s in one attempt
    waiting = yard.submit()

    jobs = {job["job_id"]: job for job in yard.listed()["jobs"]}

    shown = {run_id: (j["job"], j["environment"], j["tags"], j["duration_seconds"], j["attempt"]) for run_id, j in jobs.items()}
    assert shown == {finished: ("report", yard.name(), ["a", "b"], 2.0, 1), waiting: ("demo", yard.name(), [], None, 0)}


def test_an_admins_list_names_each_runs_own_environment(yard: Yard) -> None:
    dev_run, prod_run = yard.submit("dev"), yard.submit("prod")

    jobs = yard.listed(None, page_size=100)["jobs"]

    environments = {job["job_id"]: job["environment"] for job in jobs if job["job_id"] in (dev_run, prod_run)}
    assert environments == {dev_run: yard.name("dev"), prod_run: yard.name("prod")}


# ---------------------------------------------------------------- list: cursor pages


def seed_runs(yard: Yard, count: int) -> list[str]:
    """`count` runs, newest first as the list orders them (by creation time, then id), several sharing a time."""
    base = now_us() - HOUR_US
    made = [yard.submit() for _ in range(count)]
    times = {run_id: base + (i // 3) * 1_000_000 for i, run_id in enumerate(made)}  # three runs per second: ties broken by id
    for run_id, created_at in times.items():
        yard.set_row(run_id, created_at=created_at)
    return sorted(made, key=lambda run_id: (times[run_id], run_id), reverse=True)


def test_cursor_pages_walk_every_run_once_newest_first(yard: Yard) -> None:
    expected = seed_runs(yard, 23)

    seen: list[str] = []
    pages = []
    params: dict[str, Any] = {"page_size": 5}
    while True:
        page = yard.listed(**params)
        pages.append(page)
        seen.extend(job["job_id"] for job in page["jobs"])
        if page["next_cursor"] is None:
            break
        params = {"page_size": 5, "cursor": page["next_cursor"]}

    assert seen == expected
    assert [len(page["jobs"]) for page in pages] == [5, 5, 5, 5, 3]
    assert {(page["page"], page["page_size"], page["total"]) for page in pages} == {(1, 5, 23)}


def test_a_numbered_pages_next_cursor_answers_the_next_numbered_page(yard: Yard) -> None:
    seed_runs(yard, 12)

    first = yard.listed(page_size=5)
    second = yard.listed(page_size=5, page=2)
    by_cursor = yard.listed(page_size=5, cursor=first["next_cursor"])

    assert by_cursor["jobs"] == second["jobs"]
    assert by_cursor["next_cursor"] == second["next_cursor"] is not None
    assert yard.listed(page_size=5, page=3)["next_cursor"] is None


def test_a_page_that_ends_exactly_at_the_last_run_has_no_next_cursor(yard: Yard) -> None:
    seed_runs(yard, 10)

    first = yard.listed(page_size=5)
    last = yard.listed(page_size=5, cursor=first["next_cursor"])

    assert len(last["jobs"]) == 5
    assert last["next_cursor"] is None
    assert yard.listed(page_size=10)["next_cursor"] is None


def test_cursor_pages_keep_the_filters(yard: Yard) -> None:
    failed = []
    for i in range(7):
        run_id = yard.submit(tags=["batch"])
        yard.put_in_state(run_id, "failed" if i % 2 else "succeeded")
        if i % 2:
            failed.append(run_id)

    first = yard.listed(status="failed", tag="batch", page_size=2)
    second = yard.listed(status="failed", tag="batch", page_size=2, cursor=first["next_cursor"])

    assert [job["job_id"] for job in first["jobs"] + second["jobs"]] == failed[::-1]
    assert (first["total"], second["total"], second["next_cursor"]) == (3, 3, None)


def test_runs_submitted_after_a_cursor_was_given_do_not_shift_the_next_page(yard: Yard) -> None:
    older = seed_runs(yard, 6)
    first = yard.listed(page_size=3)
    for _ in range(4):
        yard.submit()

    second = yard.listed(page_size=3, cursor=first["next_cursor"])

    assert [job["job_id"] for job in second["jobs"]] == older[3:]


def test_a_cursor_with_a_page_past_the_first_is_400(yard: Yard) -> None:
    seed_runs(yard, 4)
    cursor = yard.listed(page_size=2)["next_cursor"]

    response = yard.get(RUNS, cursor=cursor, page=2, page_size=2)

    assert response.status_code == 400
    assert response.json() == {"detail": "Give either cursor or page, not both: a cursor already says where the page starts"}


@pytest.mark.parametrize(
    "cursor",
    ["abc", "1700000000000000", "1700000000000000_", "_run_01jd3k5z8q4m2x7v9w0y1z2a3b", "-5_run_01jd3k5z8q4m2x7v9w0y1z2a3b", "9" * 19 + "_run_x", "1_RUN_X"],
)
def test_a_cursor_not_of_the_shape_runyard_makes_is_400_naming_it(yard: Yard, cursor: str) -> None:
    response = yard.get(RUNS, cursor=cursor)

    assert response.status_code == 400
    assert "'cursor'" in response.json()["detail"]


def test_a_cursor_longer_than_200_characters_is_400(yard: Yard) -> None:
    assert yard.get(RUNS, cursor="1_run_" + "a" * 200).status_code == 400


# ---------------------------------------------------------------- list: environments


def test_a_key_of_another_environment_neither_sees_nor_counts_the_runs_the_new_filters_select(yard: Yard) -> None:
    dev_run = yard.submit("dev", tags=["shared"])
    since = iso_us(now_us() - HOUR_US)

    prod_view = yard.listed("prod", tag="shared", created_after=since)
    dev_view = yard.listed("dev", tag="shared", created_after=since)

    assert (prod_view["jobs"], prod_view["total"], prod_view["next_cursor"]) == ([], 0, None)
    assert ([job["job_id"] for job in dev_view["jobs"]], dev_view["total"]) == ([dev_run], 1)


def test_a_cursor_from_another_environments_list_shows_only_the_keys_own_runs(yard: Yard) -> None:
    prod_run = yard.submit("prod")
    for _ in range(3):
        yard.submit("dev")
    dev_cursor = yard.listed("dev", page_size=1)["next_cursor"]

    after = yard.listed("prod", cursor=dev_cursor, page_size=10)

    assert ([job["job_id"] for job in after["jobs"]], after["total"], after["next_cursor"]) == ([prod_run], 1, None)


def test_an_admin_narrows_the_new_filters_to_one_environment(yard: Yard) -> None:
    dev_run = yard.submit("dev", tags=["both"])
    prod_run = yard.submit("prod", tags=["both"])

    narrowed = yard.listed(None, tag="both", environment=yard.name("prod"))
    everywhere = yard.ids(None, tag="both")

    assert ([job["job_id"] for job in narrowed["jobs"]], narrowed["total"]) == ([prod_run], 1)
    assert {dev_run, prod_run} <= set(everywhere)


def test_an_admins_cursor_pages_narrowed_to_an_environment_walk_its_runs_once(yard: Yard) -> None:
    made = [(env, yard.submit(env)) for env in ("dev", "prod", "dev", "prod", "dev")]

    params = {"page_size": 2, "environment": yard.name("dev")}
    page = yard.listed(None, **params)
    seen = [job["job_id"] for job in page["jobs"]]
    while page["next_cursor"] is not None:
        page = yard.listed(None, cursor=page["next_cursor"], **params)
        seen.extend(job["job_id"] for job in page["jobs"])

    assert seen == [run_id for env, run_id in made if env == "dev"][::-1]


# ---------------------------------------------------------------- details


def test_details_of_a_finished_run_show_everything_a_run_page_needs(yard: Yard) -> None:
    run_id = yard.submit(
        job="report", input={"quarter": 3}, session_id="alpha", tags=["reports"], max_attempts=3, webhook_url="https://example.com/hook"
    )
    yard.put_in_state(run_id, "succeeded")
    yard.set_row(run_id, metadata={"stage": "done"}, progress_percentage=100.0, progress_step="Done", priority=2, queue_name="reports")
    row = yard.row(run_id)

    response = yard.get(f"{RUNS}/{run_id}/details")

    assert response.status_code == 200, response.text
    details = response.json()
    assert details == {
        "job_id": run_id,
        "name": row.name,
        "job": "report",
        "job_version": 1,
        "environment": yard.name(),
        "status": "succeeded",
        "state": "succeeded",
        "session_id": "alpha",
        "tags": ["reports"],
        "input": {"quarter": 3},
        "result": {"ok": True},
        "error": None,
        "exit_code": 0,
        "attempt": 1,
        "max_attempts": 3,
        "progress": {"percentage": 100.0, "current_step": "Done"},
        "created_at": to_iso(row.created_at),
        "started_at": to_iso(row.started_at),
        "completed_at": to_iso(row.completed_at),
        "updated_at": to_iso(row.updated_at),
        "delayed_until": None,
        "duration_seconds": 2.0,
        "metadata": {"stage": "done"},
        "schedule_id": None,
        "batch_id": None,
        "priority": 2,
        "queue": "reports",
        "triggered_by": None,
        "webhook": {"url": "https://example.com/hook", "state": "pending", "attempts": 0, "last_status_code": None, "last_error": None},
    }
    assert row.name.startswith("report-")


def test_details_of_a_delayed_run_show_its_internal_state_and_when_it_becomes_ready_and_no_webhook(yard: Yard) -> None:
    run_id = yard.submit(delay=600)

    details = yard.get(f"{RUNS}/{run_id}/details").json()

    assert (details["status"], details["state"]) == ("queued", "delayed")
    assert details["delayed_until"] == to_iso(yard.row(run_id).delayed_until)
    assert (details["started_at"], details["completed_at"], details["duration_seconds"], details["attempt"]) == (None, None, None, 0)
    assert "webhook" not in details


@pytest.mark.parametrize("state", ["retrying", "cancelling", "timed_out", "crashed", "system_failure", "expired"])
def test_details_name_the_internal_state_the_native_status_hides(yard: Yard, state: str) -> None:
    run_id = yard.submit()
    yard.put_in_state(run_id, state)

    assert yard.get(f"{RUNS}/{run_id}/details").json()["state"] == state


def test_details_of_another_environments_run_are_404_as_if_it_did_not_exist(yard: Yard) -> None:
    run_id = yard.submit("dev")

    response = yard.get(f"{RUNS}/{run_id}/details", "prod")

    assert response.status_code == 404
    assert response.json() == {"detail": f"Job not found: {run_id}"}
    assert yard.get(f"{RUNS}/{NO_SUCH_RUN}/details").json() == {"detail": f"Job not found: {NO_SUCH_RUN}"}


def test_an_admin_sees_the_details_of_any_environments_run(yard: Yard) -> None:
    run_id = yard.submit("prod")

    details = yard.get(f"{RUNS}/{run_id}/details", None).json()

    assert (details["job_id"], details["environment"]) == (run_id, yard.name("prod"))


# ---------------------------------------------------------------- replay


def test_replay_submits_a_new_run_like_the_original_and_answers_as_a_submit(yard: Yard) -> None:
    original = yard.submit(job="report", input={"n": 7}, session_id="beta", tags=["again"], max_attempts=2)
    yard.put_in_state(original, "failed")
    yard.set_row(original, metadata={"m": 1}, priority=5)

    response = yard.client.post(f"{RUNS}/{original}/replay", headers=yard.auth())

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["job_id"] != original and body["status"] == "queued"
    assert response.headers["location"] == body["poll_url"] == f"http://testserver{RUNS}/{body['job_id']}"
    assert response.headers["retry-after"] == "2"
    new, old = (yard.get(f"{RUNS}/{run_id}/details").json() for run_id in (body["job_id"], original))
    same = ("job", "job_version", "environment", "input", "session_id", "tags", "max_attempts", "metadata", "priority")
    assert {key: new[key] for key in same} == {key: old[key] for key in same}
    assert (new["state"], new["attempt"], new["result"], old["state"]) == ("queued", 0, None, "failed")


def test_replay_of_a_run_submitted_against_an_older_job_version_uses_that_version(yard: Yard) -> None:
    name = f"changing-{next(_environment_numbers)}"
    assert yard.client.put(f"/api/v1/jobs/{name}", json={"command": ["true"]}).status_code == 201
    original = yard.submit(job=name)
    assert yard.client.put(f"/api/v1/jobs/{name}", json={"command": ["true", "again"]}).status_code == 200

    replayed = yard.client.post(f"{RUNS}/{original}/replay", headers=yard.auth()).json()["job_id"]

    assert [yard.get(f"{RUNS}/{run_id}/details").json()["job_version"] for run_id in (original, replayed)] == [1, 1]


def test_replay_of_another_environments_run_is_404_and_stores_nothing(yard: Yard) -> None:
    run_id = yard.submit("dev")

    response = yard.client.post(f"{RUNS}/{run_id}/replay", headers=yard.auth("prod"))

    assert response.status_code == 404
    assert response.json() == {"detail": f"Job not found: {run_id}"}
    assert yard.listed("prod")["total"] == 0
    assert yard.client.post(f"{RUNS}/{NO_SUCH_RUN}/replay", headers=yard.auth()).status_code == 404


def test_an_admins_replay_lands_in_the_originals_environment(yard: Yard) -> None:
    original = yard.submit("prod")

    replayed = yard.client.post(f"{RUNS}/{original}/replay").json()["job_id"]

    assert set(yard.ids("prod")) == {original, replayed}
    assert yard.get(f"{RUNS}/{replayed}/details", "prod").json()["environment"] == yard.name("prod")


# ---------------------------------------------------------------- overview


def epoch_us(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000)


def overview(yard: Yard, env: str | None = "dev", **params: Any) -> dict[str, Any]:
    response = yard.get(OVERVIEW, env, **params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_overview_buckets_are_the_24_hours_up_to_now_oldest_first_with_empty_hours_included(yard: Yard) -> None:
    body = overview(yard)

    starts = [epoch_us(bucket["start"]) for bucket in body["buckets"]]
    generated = epoch_us(body["generated_at"])
    assert body["window"] == "24h"
    assert len(starts) == 24
    assert all(later - earlier == HOUR_US for earlier, later in itertools.pairwise(starts))
    assert starts[-1] <= generated < starts[-1] + HOUR_US
    assert all(bucket["counts"] == dict.fromkeys(STATUSES, 0) for bucket in body["buckets"])
    assert body["jobs"] == []


def test_overview_counts_the_runs_created_in_each_hour_by_their_status_now(yard: Yard) -> None:
    this_hour = now_us() // HOUR_US * HOUR_US
    placed = {  # hours ago -> states of the runs created then
        0: ["queued", "running"],
        3: ["succeeded", "succeeded", "failed"],
        20: ["cancelled", "expired", "timed_out"],
    }
    for hours_ago, states in placed.items():
        for state in states:
            run_id = yard.submit()
            yard.put_in_state(run_id, state)
            yard.set_row(run_id, created_at=this_hour - hours_ago * HOUR_US + 10 * 60 * 1_000_000)
    old = yard.submit()
    yard.set_row(old, created_at=this_hour - 30 * HOUR_US)  # before the window

    buckets = {epoch_us(bucket["start"]): bucket["counts"] for bucket in overview(yard)["buckets"]}

    expected = {
        0: {"queued": 1, "running": 1},
        3: {"succeeded": 2, "failed": 1},
        20: {"cancelled": 2, "failed": 1},
    }
    for hours_ago, counts in expected.items():
        assert buckets[this_hour - hours_ago * HOUR_US] == {**dict.fromkeys(STATUSES, 0), **counts}
    assert sum(sum(counts.values()) for counts in buckets.values()) == 8


def test_overview_of_7_days_has_168_hourly_buckets_and_reaches_back_a_week(yard: Yard) -> None:
    this_hour = now_us() // HOUR_US * HOUR_US
    six_days_ago = yard.submit()
    yard.set_row(six_days_ago, created_at=this_hour - 6 * 24 * HOUR_US)
    eight_days_ago = yard.submit()
    yard.set_row(eight_days_ago, created_at=this_hour - 8 * 24 * HOUR_US)

    week = overview(yard, window="7d")
    day = overview(yard, window="24h")

    assert (week["window"], len(week["buckets"])) == ("7d", 168)
    assert sum(bucket["counts"]["queued"] for bucket in week["buckets"]) == 1
    assert sum(bucket["counts"]["queued"] for bucket in day["buckets"]) == 0
    assert week["jobs"][0]["runs"] == 1


def test_overview_counts_every_run_of_all_time_with_queue_depth_and_running(yard: Yard) -> None:
    for state in ("queued", "delayed", "retrying", "running", "cancelling", "succeeded", "failed", "crashed", "cancelled"):
        yard.put_in_state(yard.submit(), state)
    ancient = yard.submit()
    yard.put_in_state(ancient, "succeeded")
    yard.set_row(ancient, created_at=now_us() - 400 * 24 * HOUR_US)

    body = overview(yard)

    assert body["counts"] == {"queued": 3, "running": 2, "succeeded": 2, "failed": 2, "cancelled": 1}
    assert (body["queue_depth"], body["running"]) == (3, 2)
    assert sum(sum(bucket["counts"].values()) for bucket in body["buckets"]) == 9


def test_overview_job_rows_count_outcomes_success_rate_and_durations_of_the_windows_runs(yard: Yard) -> None:
    for state, ran_ms in (("succeeded", 1000), ("succeeded", 3000), ("succeeded", 5000), ("failed", 8000), ("queued", None)):
        run_id = yard.submit(job="report")
        yard.put_in_state(run_id, state)
        if ran_ms is not None:
            yard.set_row(run_id, duration_ms=ran_ms)
    yard.put_in_state(yard.submit(job="email"), "running")
    old = yard.submit(job="email")
    yard.put_in_state(old, "failed")
    yard.set_row(old, created_at=now_us() - 48 * HOUR_US)  # outside the window

    jobs = overview(yard)["jobs"]

    assert jobs == [
        {
            "job": "report",
            "runs": 5,
            "succeeded": 3,
            "failed": 1,
            "cancelled": 0,
            "success_rate": 0.75,
            "avg_duration_seconds": 4.25,
            "max_duration_seconds": 8.0,
        },
        {
            "job": "email",
            "runs": 1,
            "succeeded": 0,
            "failed": 0,
            "cancelled": 0,
            "success_rate": None,
            "avg_duration_seconds": None,
            "max_duration_seconds": None,
        },
    ]


def test_overview_of_a_key_counts_only_its_environment(yard: Yard) -> None:
    yard.put_in_state(yard.submit("dev"), "succeeded")
    yard.submit("prod")

    dev, prod = overview(yard, "dev"), overview(yard, "prod")

    assert (dev["environments"], prod["environments"]) == ([yard.name("dev")], [yard.name("prod")])
    assert (dev["counts"]["succeeded"], dev["counts"]["queued"], prod["counts"]["succeeded"], prod["counts"]["queued"]) == (1, 0, 0, 1)
    assert [(row["job"], row["runs"]) for row in dev["jobs"]] == [("demo", 1)]
    assert sum(bucket["counts"]["queued"] for bucket in dev["buckets"]) == 0


def test_an_admins_overview_covers_every_environment_or_the_one_it_names(yard: Yard) -> None:
    yard.submit("dev")
    yard.submit("prod")
    yard.submit("prod")

    everywhere = overview(yard, None)
    narrowed = overview(yard, None, environment=yard.name("prod"))
    nowhere = overview(yard, None, environment="no-such-environment")

    assert {yard.name("dev"), yard.name("prod")} <= set(everywhere["environments"])
    assert everywhere["counts"]["queued"] >= 3
    assert (narrowed["environments"], narrowed["counts"]["queued"], narrowed["queue_depth"]) == ([yard.name("prod")], 2, 2)
    assert (nowhere["environments"], nowhere["counts"], nowhere["jobs"], len(nowhere["buckets"])) == ([], dict.fromkeys(STATUSES, 0), [], 24)


def test_an_overview_of_another_environment_by_a_key_that_is_not_an_admins_is_403(yard: Yard) -> None:
    response = yard.get(OVERVIEW, "dev", environment=yard.name("prod"))

    assert response.status_code == 403
    assert response.json() == {"detail": "Only an admin key may see the runs of another environment"}


@pytest.mark.parametrize("window", ["1h", "30d", "24H", ""])
def test_an_overview_window_other_than_24h_or_7d_is_400(yard: Yard, window: str) -> None:
    assert yard.get(OVERVIEW, window=window).status_code == 400


# ---------------------------------------------------------------- job versions


def test_a_jobs_versions_are_listed_newest_first_with_their_definitions(yard: Yard) -> None:
    name = f"versioned-{next(_environment_numbers)}"
    for body in ({"command": ["true"]}, {"command": ["true", "1"], "env": {"TOKEN": "secret"}}, {"command": ["true", "2"], "concurrency": 2}):
        assert yard.client.put(f"/api/v1/jobs/{name}", json=body).status_code in (200, 201)

    response = yard.get(f"/api/v1/jobs/{name}/versions")

    assert response.status_code == 200, response.text
    versions = response.json()["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert [v["definition"]["command"] for v in versions] == [["true", "2"], ["true", "1"], ["true"]]
    assert [v["definition"]["env"] for v in versions] == [{}, {"TOKEN": "<redacted>"}, {}]
    assert [v["definition"]["concurrency"] for v in versions] == [2, None, None]
    assert all(v["definition"]["name"] == name and v["definition"]["version"] == v["version"] for v in versions)
    created = [datetime.fromisoformat(v["created_at"].replace("Z", "+00:00")) for v in versions]
    assert created == sorted(created, reverse=True)


def test_a_jobs_versions_have_every_field_of_the_job_but_its_times(yard: Yard) -> None:
    job = yard.get("/api/v1/jobs/report").json()

    (version,) = yard.get("/api/v1/jobs/report/versions").json()["versions"][-1:]

    assert set(version["definition"]) == set(job) - {"created_at", "updated_at"}


def test_the_versions_of_an_unknown_job_are_404(yard: Yard) -> None:
    response = yard.get("/api/v1/jobs/no-such-job/versions")

    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown job 'no-such-job'"}


# ---------------------------------------------------------------- a replay executes


ECHO_SCRIPT = """
    import json, os, sys
    given = json.load(sys.stdin)
    print("::result " + json.dumps({"input": given, "job": os.environ["RUNYARD_JOB"]}), flush=True)
"""


@pytest.mark.slow
def test_a_replayed_run_executes_as_the_original_did(database_url: str) -> None:
    echo = JobDefinition(name="echo", command=(sys.executable, "-c", textwrap.dedent(ECHO_SCRIPT)), timeout_seconds=30.0)
    with TestClient(create_app(database_url, jobs=[echo], worker=brisk_worker(2))) as client:

        def finished(run_id: str) -> dict[str, Any]:
            def probe() -> dict[str, Any] | None:
                details = client.get(f"{RUNS}/{run_id}/details").json()
                return details if details["status"] in ("succeeded", "failed", "cancelled") else None

            return wait_for(probe, 20, f"run {run_id} to finish")

        original = client.post(RUNS, json={"job": "echo", "input": {"n": 1}, "tags": ["t"]}).json()["job_id"]
        first = finished(original)
        replayed = client.post(f"{RUNS}/{original}/replay").json()["job_id"]
        second = finished(replayed)

    assert (first["status"], second["status"]) == ("succeeded", "succeeded")
    assert second["result"] == first["result"] == {"input": {"n": 1}, "job": "echo"}
    assert (second["tags"], second["attempt"], second["exit_code"]) == (["t"], 1, 0)
