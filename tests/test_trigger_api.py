"""The Trigger.dev-compatible API under /trigger, one behaviour per test.

The specification is openapi/runyard.yaml (tag `trigger`: Trigger.dev's list-runs
page, how each internal state is shown, what the official SDK needs). The app runs in-process without
a worker; a run that needs another state or time gets its row changed directly,
as a worker would. Whatever reads or filters the store runs on SQLite and on
PostgreSQL (`yard`); pure request/response shapes run on SQLite (`sqlite_yard`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.web.app import create_app
from runyard.jobs import JobDefinition, demo_job
from runyard.store.keys import ApiKey, Environment
from runyard.timeutil import now_us
from tests.support.databases import pg_database, sqlite_database
from tests.support.keys import create_keys, revoke_key
from tests.support.yard import FINISHED, Rows, Store, open_store

ROOT = Path(__file__).resolve().parent.parent
RUNS = "/trigger/api/v1/runs"
NATIVE_RUNS = "/api/v1/runs"
JOBS = [demo_job(), JobDefinition(name="email", command=("true",)), JobDefinition(name="report", command=("true",))]
NO_SUCH_RUN = "run_01jd3k5z8q4m2x7v9w0y1z2a3b"

# How the Trigger dialect shows each internal state (the spec's TriggerStatus).
SHOWN_AS = {
    "delayed": "DELAYED",
    "queued": "QUEUED",
    "retrying": "QUEUED",
    "running": "EXECUTING",
    "cancelling": "EXECUTING",
    "succeeded": "COMPLETED",
    "failed": "FAILED",
    "timed_out": "TIMED_OUT",
    "crashed": "CRASHED",
    "system_failure": "SYSTEM_FAILURE",
    "cancelled": "CANCELED",
    "expired": "EXPIRED",
}
EMITTED = sorted(set(SHOWN_AS.values()))
# Accepted as filter input (Trigger.dev v3 and v4 statuses) but never shown by runyard.
NEVER_SHOWN = ["PENDING_VERSION", "WAITING_FOR_DEPLOY", "DEQUEUED", "WAITING", "REATTEMPTING", "FROZEN", "INTERRUPTED"]
TERMINAL_STATUSES = {"COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"}

COMMON_REQUIRED = {
    "id", "status", "taskIdentifier", "createdAt", "updatedAt", "isTest", "tags", "costInCents", "baseCostInCents", "durationMs",
    "isQueued", "isExecuting", "isWaiting", "isCompleted", "isSuccess", "isFailed", "isCancelled",
}  # fmt: skip
LIST_ITEM_REQUIRED = COMMON_REQUIRED | {"env"}
RETRIEVE_REQUIRED = COMMON_REQUIRED | {"depth", "triggerFunction", "relatedRuns", "attempts", "attemptCount"}

APRIL_1_MS = 1711929600000  # 2024-04-01T00:00:00Z
HOUR_MS = 3_600_000


# ---------------------------------------------------------------- the app, its keys, its rows
#
# Every /trigger operation sees only its key's environment, so tests share one
# app per backend (a fresh database each costs more than the whole test) and
# each test gets environments of its own: `dev-<n>` and `prod-<n>`.


@dataclass
class Yard(Rows):
    """The shared app, seen through a fresh `dev` and a fresh `prod` environment, a key each."""

    succeeded_result: ClassVar[Any] = {"ok": True}

    client: TestClient
    url: str
    engine: sa.Engine
    keys: dict[str, tuple[ApiKey, str]]

    def auth(self, env: str = "dev") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[env][1]}"}

    def environment(self, env: str = "dev") -> Environment:
        return self.keys[env][0].environment

    def trigger(self, task: str = "demo", body: dict[str, Any] | None = None, env: str = "dev") -> str:
        response = self.client.post(f"/trigger/api/v1/tasks/{task}/trigger", json=body if body is not None else {}, headers=self.auth(env))
        assert response.status_code == 200, response.text
        return response.json()["id"]

    def list(self, params: dict[str, Any] | None = None, env: str = "dev") -> dict[str, Any]:
        response = self.client.get(RUNS, params=params or {}, headers=self.auth(env))
        assert response.status_code == 200, response.text
        return response.json()

    def list_ids(self, params: dict[str, Any] | None = None, env: str = "dev") -> list[str]:
        return [item["id"] for item in self.list({"page[size]": 100, **(params or {})}, env)["data"]]

    def retrieve(self, run_id: str, env: str = "dev") -> dict[str, Any]:
        response = self.client.get(f"/trigger/api/v3/runs/{run_id}", headers=self.auth(env))
        assert response.status_code == 200, response.text
        return response.json()

    def native_total(self) -> int:
        """How many runs the whole store holds, every environment together."""
        return self.client.get(NATIVE_RUNS).json()["total"]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[Store]:
    with open_store(sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("trigger") / "runyard.db"), JOBS) as store:
        yield store


@pytest.fixture(scope="module")
def postgresql_store(pg_server: str, pg_template_name: str) -> Iterator[Store]:
    with pg_database(pg_server, pg_template_name, "runyard_trigger") as url, open_store(url, JOBS) as store:
        yield store


_environment_numbers = itertools.count(1)


def _yard(store: Store) -> Yard:
    n = next(_environment_numbers)
    return Yard(store.client, store.url, store.engine, create_keys(store.url, {"dev": f"dev-{n}", "prod": f"prod-{n}"}))


@pytest.fixture(params=["sqlite", "postgresql"])
def yard(request: pytest.FixtureRequest) -> Yard:
    """Fresh environments on SQLite and on PostgreSQL."""
    return _yard(request.getfixturevalue(f"{request.param}_store"))


@pytest.fixture
def sqlite_yard(sqlite_store: Store) -> Yard:
    """Fresh environments on SQLite, for what does not depend on the store."""
    return _yard(sqlite_store)


# ---------------------------------------------------------------- helpers


def null_paths(value: Any, path: str = "$") -> list[str]:
    """Where a JSON document holds null."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in null_paths(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in null_paths(item, f"{path}[{index}]")]
    return []


def expected_booleans(status: str) -> dict[str, bool]:
    completed = status in TERMINAL_STATUSES
    return {
        "isQueued": status in {"QUEUED", "DELAYED"},
        "isExecuting": status == "EXECUTING",
        "isWaiting": False,
        "isCompleted": completed,
        "isSuccess": status == "COMPLETED",
        "isFailed": completed and status != "COMPLETED",
        "isCancelled": status == "CANCELED",
    }


def parse_time(text: str) -> datetime:
    assert text.endswith("Z"), f"{text!r} is not UTC with a Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_error_with_details(response: httpx.Response, path: list[str] | None = None) -> list[dict[str, Any]]:
    """A 400 in Trigger.dev's ErrorWithDetailsResponse shape; returns the details."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "details"}
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], list) and body["details"]
    for detail in body["details"]:
        assert {"code", "message", "path"} <= set(detail), detail
        assert isinstance(detail["code"], str) and detail["code"]
        assert isinstance(detail["message"], str) and detail["message"]
        assert isinstance(detail["path"], list) and all(isinstance(p, str) for p in detail["path"])
    if path is not None:
        assert [d["path"] for d in body["details"]] == [path], body
    return body["details"]


def walk(yard: Yard, size: int, params: dict[str, Any] | None = None, between_pages: Any = None) -> list[dict[str, Any]]:
    """Every page from the newest, following `pagination.next` as the SDK does."""
    pages = [yard.list({"page[size]": size, **(params or {})})]
    while "next" in pages[-1]["pagination"]:
        assert len(pages) < 200, "the walk does not end"
        if between_pages is not None:
            between_pages()
        pages.append(yard.list({"page[size]": size, "page[after]": pages[-1]["pagination"]["next"], **(params or {})}))
    return pages


def ids_of(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["data"]]


def newest_first(created: dict[str, int]) -> list[str]:
    """The list order (createdAt desc, id desc) of runs whose created_at we set."""
    return sorted(created, key=lambda run_id: (created[run_id], run_id), reverse=True)


def decode_jwt_part(part: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


# ---------------------------------------------------------------- auth: 401 in the documented shape

OPERATIONS = [
    ("GET", RUNS),
    ("POST", "/trigger/api/v1/tasks/demo/trigger"),
    ("GET", f"/trigger/api/v3/runs/{NO_SUCH_RUN}"),
    ("POST", f"/trigger/api/v2/runs/{NO_SUCH_RUN}/cancel"),
    ("POST", f"/trigger/api/v1/runs/{NO_SUCH_RUN}/replay"),
]
OPERATION_IDS = ["list", "trigger", "retrieve", "cancel", "replay"]


def assert_unauthorized(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_without_an_authorization_header_is_401(sqlite_yard: Yard, method: str, path: str) -> None:
    assert_unauthorized(sqlite_yard.client.request(method, path))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=OPERATION_IDS)
@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token tr_dev_abc", "tr_dev_abc"],
    ids=["basic", "bearer-without-token", "bearer-empty", "other-scheme", "no-scheme"],
)
def test_every_operation_with_a_malformed_authorization_header_is_401(sqlite_yard: Yard, method: str, path: str, header: str) -> None:
    assert_unauthorized(sqlite_yard.client.request(method, path, headers={"Authorization": header}))


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=OPERATION_IDS)
def test_every_operation_with_an_unknown_key_is_401(sqlite_yard: Yard, method: str, path: str) -> None:
    unknown = "tr_dev_" + "x" * 32
    assert_unauthorized(sqlite_yard.client.request(method, path, headers={"Authorization": f"Bearer {unknown}"}))


def test_the_401_body_is_exactly_the_documented_example(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.get(RUNS)

    assert response.json() == {"error": "Invalid or Missing API key"}


def test_a_key_given_without_the_bearer_scheme_is_401(sqlite_yard: Yard) -> None:
    secret = sqlite_yard.keys["dev"][1]

    assert_unauthorized(sqlite_yard.client.get(RUNS, headers={"Authorization": secret}))


def test_a_revoked_key_is_401_at_once(yard: Yard) -> None:
    run_id = yard.trigger()
    assert yard.client.get(RUNS, headers=yard.auth()).status_code == 200

    revoke_key(yard.url, yard.keys["dev"][0].id)

    for method, path in [("GET", RUNS), ("POST", "/trigger/api/v1/tasks/demo/trigger"), ("GET", f"/trigger/api/v3/runs/{run_id}"),
                         ("POST", f"/trigger/api/v2/runs/{run_id}/cancel"), ("POST", f"/trigger/api/v1/runs/{run_id}/replay")]:  # fmt: skip
        assert_unauthorized(yard.client.request(method, path, headers=yard.auth()))
    assert yard.client.get(RUNS, headers=yard.auth("prod")).status_code == 200  # the other environment's key still works


def test_an_unauthorized_trigger_stores_nothing(sqlite_yard: Yard) -> None:
    total = sqlite_yard.native_total()

    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={}, headers={"Authorization": "Bearer tr_dev_nope"})

    assert response.status_code == 401
    assert sqlite_yard.native_total() == total


def test_an_unauthorized_cancel_changes_nothing(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()

    response = sqlite_yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", headers={"Authorization": "Bearer tr_dev_nope"})

    assert response.status_code == 401
    assert sqlite_yard.retrieve(run_id)["status"] == "QUEUED"


# ---------------------------------------------------------------- environments: a key sees its own runs only


def test_a_key_lists_only_its_own_environments_runs(yard: Yard) -> None:
    dev_runs = [yard.trigger(), yard.trigger()]
    prod_runs = [yard.trigger(env="prod")]

    assert yard.list_ids() == dev_runs[::-1]
    assert yard.list_ids(env="prod") == prod_runs


def test_a_prod_key_never_lists_dev_runs_under_any_filter(yard: Yard) -> None:
    dev_run = yard.trigger(body={"options": {"tags": ["shared"]}})

    for params in [{}, {"filter[status]": "QUEUED"}, {"filter[taskIdentifier]": "demo"}, {"filter[tag]": "shared"}, {"filter[version]": "1"},
                   {"filter[isTest]": "false"}, {"filter[createdAt][period]": "1d"}]:  # fmt: skip
        assert dev_run not in yard.list_ids(params, env="prod"), params


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/trigger/api/v3/runs/{}"), ("POST", "/trigger/api/v2/runs/{}/cancel"), ("POST", "/trigger/api/v1/runs/{}/replay")],
    ids=["retrieve", "cancel", "replay"],
)
def test_another_environments_run_is_not_found(yard: Yard, method: str, path: str) -> None:
    dev_run = yard.trigger()

    response = yard.client.request(method, path.format(dev_run), headers=yard.auth("prod"))

    assert response.status_code == 404
    assert response.json() == {"error": "Run not found"}
    assert yard.retrieve(dev_run)["status"] == "QUEUED"  # a cancel from prod did not touch it
    assert yard.list_ids() == [dev_run] and yard.list_ids(env="prod") == []  # a replay from prod made nothing


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/trigger/api/v3/runs/{}"), ("POST", "/trigger/api/v2/runs/{}/cancel"), ("POST", "/trigger/api/v1/runs/{}/replay")],
    ids=["retrieve", "cancel", "replay"],
)
def test_an_unknown_run_is_not_found(sqlite_yard: Yard, method: str, path: str) -> None:
    response = sqlite_yard.client.request(method, path.format(NO_SUCH_RUN), headers=sqlite_yard.auth())

    assert response.status_code == 404
    assert response.json() == {"error": "Run not found"}


def test_the_native_list_shows_runs_of_every_environment_without_a_key(yard: Yard) -> None:
    dev_run, prod_run = yard.trigger(), yard.trigger(env="prod")

    response = yard.client.get(NATIVE_RUNS)  # newest first: this test's runs lead the first page

    assert response.status_code == 200
    assert [job["job_id"] for job in response.json()["jobs"][:2]] == [prod_run, dev_run]


def test_a_tag_filter_sees_only_the_callers_environment(yard: Yard) -> None:
    dev_run = yard.trigger(body={"options": {"tags": ["same-tag"]}})
    prod_run = yard.trigger(body={"options": {"tags": ["same-tag"]}}, env="prod")

    assert yard.list_ids({"filter[tag]": "same-tag"}) == [dev_run]
    assert yard.list_ids({"filter[tag]": "same-tag"}, env="prod") == [prod_run]


def test_a_cursor_naming_another_environments_run_reveals_none_of_its_runs(yard: Yard) -> None:
    prod_old = yard.trigger(env="prod")
    dev_runs = [yard.trigger() for _ in range(3)]
    yard.trigger(env="prod")

    listed = yard.list_ids({"page[after]": dev_runs[-1]}, env="prod")

    assert listed == [prod_old]  # positioned by the dev run's time, showing only prod's runs


# ---------------------------------------------------------------- filters


def test_each_emitted_status_selects_every_state_shown_as_it(yard: Yard) -> None:
    run_of = {}
    for state in SHOWN_AS:
        run_of[state] = yard.trigger()
        yard.put_in_state(run_of[state], state)

    for status in EMITTED:
        expected = {run_of[state] for state, shown in SHOWN_AS.items() if shown == status}
        assert set(yard.list_ids({"filter[status]": status})) == expected, status


@pytest.mark.parametrize(("state", "status"), [("retrying", "QUEUED"), ("cancelling", "EXECUTING"), ("expired", "EXPIRED"), ("timed_out", "TIMED_OUT")])
def test_a_state_is_shown_and_filtered_under_its_mapped_status(yard: Yard, state: str, status: str) -> None:
    run_id = yard.trigger()
    yard.put_in_state(run_id, state)

    assert yard.list()["data"][0]["status"] == status
    assert yard.retrieve(run_id)["status"] == status
    assert yard.list_ids({"filter[status]": status}) == [run_id]


def test_statuses_runyard_never_shows_are_accepted_and_select_nothing(yard: Yard) -> None:
    for state in SHOWN_AS:
        yard.put_in_state(yard.trigger(), state)

    for status in NEVER_SHOWN:
        assert yard.list({"filter[status]": status}) == {"data": [], "pagination": {}}, status


def test_a_comma_separated_status_list_selects_any_of_them(yard: Yard) -> None:
    queued, running, done = yard.trigger(), yard.trigger(), yard.trigger()
    yard.put_in_state(running, "running")
    yard.put_in_state(done, "succeeded")

    assert set(yard.list_ids({"filter[status]": "QUEUED,EXECUTING"})) == {queued, running}


def test_a_never_shown_status_in_a_list_does_not_hide_the_others(yard: Yard) -> None:
    queued = yard.trigger()

    assert yard.list_ids({"filter[status]": "WAITING,QUEUED"}) == [queued]


def test_task_identifier_filter_selects_any_of_the_listed_tasks(yard: Yard) -> None:
    demo, email, report = yard.trigger("demo"), yard.trigger("email"), yard.trigger("report")

    assert yard.list_ids({"filter[taskIdentifier]": "email"}) == [email]
    assert set(yard.list_ids({"filter[taskIdentifier]": "demo,report"})) == {demo, report}
    assert yard.list_ids({"filter[taskIdentifier]": "unknown-task"}) == []


def test_version_filter_selects_any_of_the_listed_versions(yard: Yard) -> None:
    v1, v2, v3 = yard.trigger(), yard.trigger(), yard.trigger()
    yard.set_row(v2, job_version=2)
    yard.set_row(v3, job_version=3)

    assert yard.list_ids({"filter[version]": "2"}) == [v2]
    assert set(yard.list_ids({"filter[version]": "1,3"})) == {v1, v3}


@pytest.mark.parametrize("version", ["20240523.1", "9", "²", "3000000000", "99999999999999999999"])
def test_a_version_no_run_has_selects_nothing(yard: Yard, version: str) -> None:
    yard.trigger()

    assert yard.list({"filter[version]": version}) == {"data": [], "pagination": {}}


def test_tag_filter_selects_runs_carrying_any_of_the_tags(yard: Yard) -> None:
    a = yard.trigger(body={"options": {"tags": ["a"]}})
    b = yard.trigger(body={"options": {"tags": ["b", "x"]}})
    yard.trigger(body={"options": {"tags": ["c"]}})
    yard.trigger()

    assert yard.list_ids({"filter[tag]": "x"}) == [b]
    assert set(yard.list_ids({"filter[tag]": "a,b"})) == {a, b}
    assert yard.list_ids({"filter[tag]": "nobody-has-this"}) == []


def _runs_hourly_from_april_1(yard: Yard, count: int = 5) -> list[str]:
    """Runs created at 2024-04-01T00:00Z, 01:00Z, ... (whole milliseconds)."""
    ids = [yard.trigger() for _ in range(count)]
    for hour, run_id in enumerate(ids):
        yard.set_row(run_id, created_at=(APRIL_1_MS + hour * HOUR_MS) * 1000)
    return ids


def test_created_at_from_and_to_as_epoch_milliseconds_are_inclusive(yard: Yard) -> None:
    ids = _runs_hourly_from_april_1(yard)

    between = yard.list_ids({"filter[createdAt][from]": str(APRIL_1_MS + HOUR_MS), "filter[createdAt][to]": str(APRIL_1_MS + 3 * HOUR_MS)})

    assert between == [ids[3], ids[2], ids[1]]
    assert yard.list_ids({"filter[createdAt][from]": str(APRIL_1_MS + 4 * HOUR_MS)}) == [ids[4]]
    assert yard.list_ids({"filter[createdAt][to]": str(APRIL_1_MS)}) == [ids[0]]


def test_created_at_from_and_to_as_iso_8601_are_inclusive(yard: Yard) -> None:
    ids = _runs_hourly_from_april_1(yard)

    between = yard.list_ids({"filter[createdAt][from]": "2024-04-01T01:00:00Z", "filter[createdAt][to]": "2024-04-01T03:00:00Z"})

    assert between == [ids[3], ids[2], ids[1]]


def test_created_at_iso_with_an_offset_is_converted_to_utc(yard: Yard) -> None:
    ids = _runs_hourly_from_april_1(yard)

    assert yard.list_ids({"filter[createdAt][to]": "2024-04-01T03:00:00+02:00"}) == [ids[1], ids[0]]  # 01:00Z
    assert yard.list_ids({"filter[createdAt][from]": "2024-04-01T05:30:00.000+03:00"}) == [ids[4], ids[3]]  # 02:30Z


def test_created_at_as_a_date_means_its_midnight_utc(yard: Yard) -> None:
    ids = _runs_hourly_from_april_1(yard)

    assert set(yard.list_ids({"filter[createdAt][from]": "2024-04-01"})) == set(ids)
    assert yard.list_ids({"filter[createdAt][to]": "2024-04-01"}) == [ids[0]]
    assert yard.list_ids({"filter[createdAt][to]": "2024-03-31"}) == []


@pytest.mark.parametrize(
    ("period", "newest_included"),
    [("30m", 2), ("2h", 3), ("1d", 4), ("7d", 5), ("2w", 6)],
)
def test_created_at_period_selects_runs_created_within_it_before_now(yard: Yard, period: str, newest_included: int) -> None:
    ages_minutes = [0, 10, 90, 20 * 60, 3 * 24 * 60, 10 * 24 * 60]  # newest first
    ids = [yard.trigger() for _ in ages_minutes]
    now = now_us()
    for run_id, age in zip(ids, ages_minutes):
        yard.set_row(run_id, created_at=now - age * 60 * 1_000_000)

    assert yard.list_ids({"filter[createdAt][period]": period}) == ids[:newest_included]


def test_created_at_period_longer_than_history_selects_every_run(yard: Yard) -> None:
    run_id = yard.trigger()

    assert yard.list_ids({"filter[createdAt][period]": "999999999w"}) == [run_id]


def test_created_at_period_and_from_both_apply(yard: Yard) -> None:
    old, recent = yard.trigger(), yard.trigger()
    yard.set_row(old, created_at=now_us() - 3 * 3600 * 1_000_000)
    from_ms = (now_us() - 3600 * 1_000_000) // 1000

    assert yard.list_ids({"filter[createdAt][period]": "1d", "filter[createdAt][from]": str(from_ms)}) == [recent]


def test_is_test_filter_selects_test_or_other_runs(yard: Yard) -> None:
    normal = yard.trigger()
    test_run = yard.trigger(body={"options": {"test": True}})
    flagged = yard.trigger()
    yard.set_row(flagged, is_test=True)

    assert set(yard.list_ids({"filter[isTest]": "true"})) == {test_run, flagged}
    assert yard.list_ids({"filter[isTest]": "false"}) == [normal]


@pytest.mark.parametrize(("name", "value"), [("filter[bulkAction]", "bulk_1234"), ("filter[schedule]", "schedule_1234")])
def test_bulk_action_and_schedule_filters_select_nothing(yard: Yard, name: str, value: str) -> None:
    yard.trigger()

    assert yard.list({name: value}) == {"data": [], "pagination": {}}


def test_combined_filters_must_all_match(yard: Yard) -> None:
    match = yard.trigger("demo", {"options": {"tags": ["vip"]}})
    yard.trigger("email", {"options": {"tags": ["vip"]}})  # other task
    yard.trigger("demo", {"options": {"tags": ["other"]}})  # other tag
    yard.trigger("demo", {"options": {"tags": ["vip"], "test": True}})  # a test run
    cancelled = yard.trigger("demo", {"options": {"tags": ["vip"]}})
    yard.put_in_state(cancelled, "cancelled")  # other status
    old = yard.trigger("demo", {"options": {"tags": ["vip"]}})
    yard.set_row(old, created_at=now_us() - 3 * 24 * 3600 * 1_000_000)  # outside the period

    params = {
        "filter[status]": "QUEUED,DELAYED",
        "filter[taskIdentifier]": "demo,report",
        "filter[tag]": "vip",
        "filter[isTest]": "false",
        "filter[version]": "1",
        "filter[createdAt][period]": "1d",
    }
    assert yard.list_ids(params) == [match]


def test_filters_apply_on_every_page(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(7)]
    for run_id in ids[::2]:
        yard.put_in_state(run_id, "cancelled")

    pages = walk(yard, 2, {"filter[status]": "CANCELED"})

    assert [ids_of(page) for page in pages] == [[ids[6], ids[4]], [ids[2], ids[0]]]


# ---------------------------------------------------------------- invalid input: 400 ErrorWithDetailsResponse


def test_an_invalid_status_is_400_with_the_documented_message_and_path(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.get(RUNS, params={"filter[status]": "FOOBAR"}, headers=sqlite_yard.auth())

    details = assert_error_with_details(response, ["filter[status]"])
    assert details[0]["message"] == "Invalid status values: FOOBAR"
    assert response.json()["error"] == "Query Error"


def test_an_invalid_status_in_a_list_names_only_the_invalid_values(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.get(RUNS, params={"filter[status]": "QUEUED,FOOBAR,BAZ"}, headers=sqlite_yard.auth())

    details = assert_error_with_details(response, ["filter[status]"])
    assert details[0]["message"] == "Invalid status values: FOOBAR, BAZ"


@pytest.mark.parametrize(
    "name",
    ["filter[status]", "filter[taskIdentifier]", "filter[version]", "filter[tag]", "filter[createdAt][from]", "filter[createdAt][to]",
     "filter[createdAt][period]", "filter[isTest]", "filter[bulkAction]", "filter[schedule]", "page[size]", "page[after]", "page[before]"],
)  # fmt: skip
def test_an_empty_value_is_400_naming_the_parameter(sqlite_yard: Yard, name: str) -> None:
    response = sqlite_yard.client.get(f"{RUNS}?{name}=", headers=sqlite_yard.auth())

    assert_error_with_details(response, [name])


@pytest.mark.parametrize("name", ["filter[status]", "filter[taskIdentifier]", "filter[tag]"])
def test_an_empty_item_in_a_list_is_400(sqlite_yard: Yard, name: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={name: "QUEUED,"}, headers=sqlite_yard.auth())

    assert_error_with_details(response, [name])


@pytest.mark.parametrize("name", ["page[size][a]", "filter[status][0]", "filter[createdAt][from][x]", "page[size]]"])
def test_extra_nesting_is_400_as_an_unknown_parameter(sqlite_yard: Yard, name: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={name: "1"}, headers=sqlite_yard.auth())

    details = assert_error_with_details(response, [name])
    assert details[0]["code"] == "unrecognized_keys"


@pytest.mark.parametrize("name", ["foo", "filter[unknown]", "page", "limit", "status", "filter[createdAt]"])
def test_an_unknown_parameter_is_400(sqlite_yard: Yard, name: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={name: "1"}, headers=sqlite_yard.auth())

    details = assert_error_with_details(response, [name])
    assert details[0]["code"] == "unrecognized_keys"


@pytest.mark.parametrize("size", ["0", "101", "-1", "ten", "1.5", "1e2"])
def test_a_page_size_outside_1_to_100_or_not_an_integer_is_400(sqlite_yard: Yard, size: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={"page[size]": size}, headers=sqlite_yard.auth())

    assert_error_with_details(response, ["page[size]"])


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "run_123", "RUN_01JD3K5Z8Q4M2X7V9W0Y1Z2A3B", "abc_run_01jd3k5z8q4m2x7v9w0y1z2a3b", "_run_01jd3k5z8q4m2x7v9w0y1z2a3b",
     "123456789012345678_run_01jd3k5z8q4m2x7v9w0y1z2a3b", "run_81jd3k5z8q4m2x7v9w0y1z2a3b", "run_01jd3k5z8q4m2x7v9w0y1z2a3bb"],
)  # fmt: skip
@pytest.mark.parametrize("name", ["page[after]", "page[before]"])
def test_a_malformed_cursor_is_400(sqlite_yard: Yard, name: str, cursor: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={name: cursor}, headers=sqlite_yard.auth())

    assert_error_with_details(response, [name])


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T00:00:00Z", "2024-02-30", "2024-04-01T25:00:00Z", "1711929600000.5", "-1711929600000"])
@pytest.mark.parametrize("name", ["filter[createdAt][from]", "filter[createdAt][to]"])
def test_a_bad_date_is_400(sqlite_yard: Yard, name: str, value: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={name: value}, headers=sqlite_yard.auth())

    assert_error_with_details(response, [name])


@pytest.mark.parametrize("period", ["1y", "0d", "d", "1.5h", "-1d", "1 d"])
def test_a_bad_period_is_400(sqlite_yard: Yard, period: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={"filter[createdAt][period]": period}, headers=sqlite_yard.auth())

    assert_error_with_details(response, ["filter[createdAt][period]"])


@pytest.mark.parametrize("value", ["maybe", "yes", "2"])
def test_a_non_boolean_is_test_is_400(sqlite_yard: Yard, value: str) -> None:
    response = sqlite_yard.client.get(RUNS, params={"filter[isTest]": value}, headers=sqlite_yard.auth())

    assert_error_with_details(response, ["filter[isTest]"])


def test_every_invalid_parameter_of_a_request_is_reported(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.get(RUNS, params={"foo": "1", "bar": "2"}, headers=sqlite_yard.auth())

    details = assert_error_with_details(response)
    assert sorted(d["path"] for d in details) == [["bar"], ["foo"]]


@pytest.mark.parametrize(
    "options",
    [{"ttl": 0}, {"ttl": "soon"}, {"delay": "soon"}, {"maxAttempts": 0}, {"maxAttempts": 101}, {"tags": ["t"] * 11},
     {"tags": ["x" * 129]}, {"tags": [""]}, {"payloadType": "application/xml"}, {"idempotencyKey": ""}, {"idempotencyKey": "k" * 257}],
)  # fmt: skip
def test_invalid_trigger_options_are_400_and_store_nothing(sqlite_yard: Yard, options: dict[str, Any]) -> None:
    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": options}, headers=sqlite_yard.auth())

    assert_error_with_details(response)
    assert sqlite_yard.list_ids() == []


@pytest.mark.parametrize("ttl", ["4000w", "999999999w", "999999999w999999999d"])
def test_a_ttl_longer_than_the_store_keeps_is_accepted_as_the_longest_it_keeps(yard: Yard, ttl: str) -> None:
    response = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": {"ttl": ttl}}, headers=yard.auth())

    assert response.status_code == 200, response.text  # the spec's duration pattern allows it: not a 400, never a 500
    assert yard.retrieve(response.json()["id"])["ttl"] == f"{2**31 - 1}s"  # 68 years
    assert yard.list_ids() == [response.json()["id"]]


@pytest.mark.parametrize("delay", ["999999999w", "999999999w999999999d", "9999-12-31T23:59:59.999Z"])
def test_a_delay_beyond_the_year_9999_waits_until_the_end_of_9999_and_lists_fine(yard: Yard, delay: str) -> None:
    response = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": {"delay": delay}}, headers=yard.auth())

    assert response.status_code == 200, response.text
    run = yard.retrieve(response.json()["id"])
    assert run["status"] == "DELAYED"
    assert datetime(9999, 12, 30, tzinfo=timezone.utc) < parse_time(run["delayedUntil"]) < datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)
    assert yard.list()["data"][0]["delayedUntil"] == run["delayedUntil"]  # ISO 8601 can still show it


def test_a_body_that_is_not_an_object_is_400(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=["payload"], headers=sqlite_yard.auth())

    assert_error_with_details(response)


# ---------------------------------------------------------------- cursor pagination


def test_an_empty_list_has_no_pagination_keys_at_all(yard: Yard) -> None:
    yard.trigger(env="prod")

    assert yard.list() == {"data": [], "pagination": {}}


def test_a_list_that_fits_one_page_has_no_pagination_keys(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(3)]

    body = yard.list({"page[size]": 3})

    assert ids_of(body) == ids[::-1]
    assert body["pagination"] == {}


def test_the_default_page_size_is_25(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(26)]

    body = yard.list()

    assert ids_of(body) == ids[::-1][:25]
    assert set(body["pagination"]) == {"next"}


def test_page_size_1_pages_one_run_at_a_time(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(3)]

    pages = walk(yard, 1)

    assert [ids_of(page) for page in pages] == [[ids[2]], [ids[1]], [ids[0]]]


def test_page_size_100_returns_100_runs_and_the_rest_on_the_next_page(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(101)]

    pages = walk(yard, 100)

    assert [len(page["data"]) for page in pages] == [100, 1]
    assert ids_of(pages[0]) + ids_of(pages[1]) == ids[::-1]


def test_the_first_page_has_next_and_no_previous(yard: Yard) -> None:
    for _ in range(3):
        yard.trigger()

    first = yard.list({"page[size]": 2})

    assert set(first["pagination"]) == {"next"}
    assert isinstance(first["pagination"]["next"], str) and first["pagination"]["next"]


def test_the_last_page_has_previous_and_no_next(yard: Yard) -> None:
    for _ in range(3):
        yard.trigger()
    first = yard.list({"page[size]": 2})

    last = yard.list({"page[size]": 2, "page[after]": first["pagination"]["next"]})

    assert len(last["data"]) == 1
    assert set(last["pagination"]) == {"previous"}


def test_a_middle_page_has_next_and_previous(yard: Yard) -> None:
    for _ in range(5):
        yard.trigger()

    pages = walk(yard, 2)

    assert [set(page["pagination"]) for page in pages] == [{"next"}, {"next", "previous"}, {"previous"}]


def _forty_five_runs_out_of_id_order(yard: Yard) -> list[str]:
    """45 runs whose created_at order differs from their id order, in threes sharing a created_at; the expected list order."""
    ids = [yard.trigger() for _ in range(45)]
    base = now_us() - 3600 * 1_000_000
    created = {run_id: base + ((index * 17) % 45) // 3 * 1000 for index, run_id in enumerate(ids)}
    for run_id, created_at in created.items():
        yard.set_row(run_id, created_at=created_at)
    expected = newest_first(created)
    assert expected != ids[::-1]  # the order is not simply the trigger order
    return expected


def test_walking_forward_sees_every_run_once_newest_first(yard: Yard) -> None:
    expected = _forty_five_runs_out_of_id_order(yard)

    pages = walk(yard, 10)

    assert [len(page["data"]) for page in pages] == [10, 10, 10, 10, 5]
    assert [run_id for page in pages for run_id in ids_of(page)] == expected
    created = [parse_time(item["createdAt"]) for page in pages for item in page["data"]]
    assert created == sorted(created, reverse=True)


def test_walking_backward_from_the_end_reproduces_the_same_pages(yard: Yard) -> None:
    _forty_five_runs_out_of_id_order(yard)
    forward = walk(yard, 10)

    backward = [forward[-1]]
    while "previous" in backward[-1]["pagination"]:
        assert len(backward) < 20
        backward.append(yard.list({"page[size]": 10, "page[before]": backward[-1]["pagination"]["previous"]}))

    assert [ids_of(page) for page in reversed(backward)] == [ids_of(page) for page in forward]
    assert set(backward[-1]["pagination"]) == {"next"}  # back at the first page: nothing newer


def test_page_before_wins_when_both_cursors_are_given(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(6)]  # newest first: 5 4 3 2 1 0
    pages = walk(yard, 2)

    after_only = yard.list({"page[size]": 2, "page[after]": pages[1]["pagination"]["next"]})
    both = yard.list({"page[size]": 2, "page[after]": pages[1]["pagination"]["next"], "page[before]": pages[2]["pagination"]["previous"]})

    assert ids_of(after_only) == [ids[1], ids[0]]
    assert ids_of(both) == [ids[3], ids[2]] == ids_of(pages[1])


def test_a_bare_run_id_works_as_a_cursor(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(5)]  # newest first: 4 3 2 1 0

    assert ids_of(yard.list({"page[size]": 2, "page[after]": ids[3]})) == [ids[2], ids[1]]
    assert ids_of(yard.list({"page[size]": 2, "page[before]": ids[1]})) == [ids[3], ids[2]]


def test_a_bare_run_id_cursor_follows_the_runs_created_at(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(3)]
    yard.set_row(ids[2], created_at=now_us() - 3600 * 1_000_000)  # the newest id is now the oldest run

    assert ids_of(yard.list({"page[after]": ids[1]})) == [ids[0], ids[2]]


def test_cursors_have_the_documented_shape(sqlite_yard: Yard) -> None:
    for _ in range(3):
        sqlite_yard.trigger()

    middle = walk(sqlite_yard, 1)[1]

    for cursor in middle["pagination"].values():
        assert re.fullmatch(r"([0-9]{1,17}_)?run_[0-7][0-9a-hjkmnp-tv-z]{25}", cursor)  # the spec's TriggerCursor


def test_runs_inserted_while_paging_cause_no_skip_or_repeat(yard: Yard) -> None:
    original = [yard.trigger() for _ in range(20)]
    inserted: list[str] = []

    pages = walk(yard, 5, between_pages=lambda: inserted.extend([yard.trigger(), yard.trigger()]))

    seen = [run_id for page in pages for run_id in ids_of(page)]
    assert [run_id for run_id in seen if run_id in set(original)] == original[::-1]
    assert len(seen) == len(set(seen))
    assert inserted and not set(inserted) & set(seen)  # newer than the first page: they belong before it


def test_runs_inserted_while_paging_backward_cause_no_skip_or_repeat(yard: Yard) -> None:
    original = [yard.trigger() for _ in range(12)]
    forward = walk(yard, 5)

    backward = [forward[-1]]
    while "previous" in backward[-1]["pagination"]:
        yard.trigger()
        backward.append(yard.list({"page[size]": 5, "page[before]": backward[-1]["pagination"]["previous"]}))

    seen = [run_id for page in reversed(backward) for run_id in ids_of(page)]
    assert [run_id for run_id in seen if run_id in set(original)] == original[::-1]
    assert len(seen) == len(set(seen))


def test_runs_sharing_one_created_at_are_ordered_by_id_and_paged_exactly(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(12)]
    moment = now_us() - 60 * 1_000_000
    for run_id in ids:
        yard.set_row(run_id, created_at=moment)
    newer, older = yard.trigger(), yard.trigger()
    yard.set_row(older, created_at=moment - 1)

    pages = walk(yard, 5)

    assert [len(page["data"]) for page in pages] == [5, 5, 4]
    assert [run_id for page in pages for run_id in ids_of(page)] == [newer, *sorted(ids, reverse=True), older]


def test_paging_backward_through_runs_sharing_one_created_at_is_exact(yard: Yard) -> None:
    ids = [yard.trigger() for _ in range(7)]
    moment = now_us() - 60 * 1_000_000
    for run_id in ids:
        yard.set_row(run_id, created_at=moment)
    forward = walk(yard, 3)

    previous = yard.list({"page[size]": 3, "page[before]": forward[-1]["pagination"]["previous"]})

    assert ids_of(previous) == ids_of(forward[-2])


# ---------------------------------------------------------------- list items and retrieved runs


def _one_run_in_every_state(yard: Yard) -> dict[str, str]:
    run_of = {}
    for state in SHOWN_AS:
        run_of[state] = yard.trigger(body={"payload": {"state": state}, "options": {"tags": ["t"]}})
        yard.put_in_state(run_of[state], state)
    return run_of


def test_list_items_carry_every_required_field_in_every_state(yard: Yard) -> None:
    run_of = _one_run_in_every_state(yard)

    items = {item["id"]: item for item in yard.list()["data"]}

    assert set(items) == set(run_of.values())
    for state, run_id in run_of.items():
        item = items[run_id]
        assert LIST_ITEM_REQUIRED <= set(item), (state, LIST_ITEM_REQUIRED - set(item))
        assert item["status"] == SHOWN_AS[state]
        assert item["taskIdentifier"] == "demo"
        assert item["tags"] == ["t"]
        assert parse_time(item["updatedAt"]) >= parse_time(item["createdAt"])
        for number in ("costInCents", "baseCostInCents", "durationMs"):
            assert isinstance(item[number], (int, float)) and not isinstance(item[number], bool)


def test_retrieved_runs_carry_every_required_field_in_every_state(yard: Yard) -> None:
    run_of = _one_run_in_every_state(yard)

    for state, run_id in run_of.items():
        run = yard.retrieve(run_id)
        assert RETRIEVE_REQUIRED <= set(run), (state, RETRIEVE_REQUIRED - set(run))
        assert run["status"] == SHOWN_AS[state]


def test_no_value_is_ever_null_in_lists_or_retrieved_runs(yard: Yard) -> None:
    run_of = _one_run_in_every_state(yard)
    bare = yard.trigger()  # no payload, tags, key, ttl or delay

    assert null_paths(yard.list()) == []
    for run_id in [*run_of.values(), bare]:
        assert null_paths(yard.retrieve(run_id)) == [], run_id


def test_a_run_without_payload_leaves_payload_out(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()

    assert "payload" not in sqlite_yard.retrieve(run_id)


def test_booleans_agree_with_the_status(yard: Yard) -> None:
    run_of = _one_run_in_every_state(yard)
    items = {item["id"]: item for item in yard.list()["data"]}

    for state, run_id in run_of.items():
        status = SHOWN_AS[state]
        assert {k: items[run_id][k] for k in expected_booleans(status)} == expected_booleans(status), state
        retrieved = yard.retrieve(run_id)
        assert {k: retrieved[k] for k in expected_booleans(status)} == expected_booleans(status), state


def test_absent_times_are_left_out_and_present_ones_shown(yard: Yard) -> None:
    run_of = _one_run_in_every_state(yard)
    items = {item["id"]: item for item in yard.list()["data"]}

    for state, run_id in run_of.items():
        item = items[run_id]
        started = state in {"running", "cancelling", "retrying", "succeeded", "failed", "timed_out", "crashed", "system_failure"}
        assert ("startedAt" in item) == started, state
        assert ("finishedAt" in item) == (state in FINISHED), state
        assert ("delayedUntil" in item) == (state == "delayed"), state
        assert ("expiredAt" in item) == (state == "expired"), state
        for key in ("startedAt", "finishedAt", "delayedUntil", "expiredAt"):
            if key in item:
                parse_time(item[key])


def test_env_is_the_keys_environment(yard: Yard) -> None:
    yard.trigger()
    yard.trigger(env="prod")

    for env in ("dev", "prod"):
        environment = yard.environment(env)
        assert yard.list(env=env)["data"][0]["env"] == {"id": environment.id, "name": environment.name}


def test_version_is_a_string(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()
    sqlite_yard.set_row(run_id, job_version=12)

    assert sqlite_yard.list()["data"][0]["version"] == "12"
    assert sqlite_yard.retrieve(run_id)["version"] == "12"


def test_the_idempotency_key_is_shown_as_given_not_scoped(yard: Yard) -> None:
    run_id = yard.trigger(body={"options": {"idempotencyKey": "order-42"}})

    assert yard.list()["data"][0]["idempotencyKey"] == "order-42"
    assert yard.retrieve(run_id)["idempotencyKey"] == "order-42"


def test_a_run_without_idempotency_key_leaves_it_out(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()

    assert "idempotencyKey" not in sqlite_yard.list()["data"][0]
    assert "idempotencyKey" not in sqlite_yard.retrieve(run_id)


def test_ttl_is_shown_in_seconds(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger(body={"options": {"ttl": "10m"}})

    assert sqlite_yard.list()["data"][0]["ttl"] == "600s"
    assert sqlite_yard.retrieve(run_id)["ttl"] == "600s"


def test_created_at_is_iso_utc_near_now(sqlite_yard: Yard) -> None:
    sqlite_yard.trigger()

    created = parse_time(sqlite_yard.list()["data"][0]["createdAt"])

    assert abs(created - datetime.now(timezone.utc)) < timedelta(minutes=1)


# ---------------------------------------------------------------- trigger


def test_trigger_answers_the_new_run_id_and_is_cached_false(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={}, headers=sqlite_yard.auth())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "isCached"}
    assert re.fullmatch(r"run_[0-7][0-9a-hjkmnp-tv-z]{25}", body["id"])
    assert body["isCached"] is False
    assert sqlite_yard.retrieve(body["id"])["status"] == "QUEUED"


def test_a_superjson_payload_becomes_the_runs_input(sqlite_yard: Yard) -> None:
    body = {"payload": json.dumps({"json": {"userId": "user_1234", "n": [1, 2]}}), "options": {"payloadType": "application/super+json"}}

    run_id = sqlite_yard.trigger(body=body)

    assert sqlite_yard.retrieve(run_id)["payload"] == {"userId": "user_1234", "n": [1, 2]}


def test_a_superjson_payload_with_meta_keeps_only_its_json_part(sqlite_yard: Yard) -> None:
    payload = {"json": {"when": "2024-04-01T00:00:00.000Z"}, "meta": {"values": {"when": ["Date"]}}}

    run_id = sqlite_yard.trigger(body={"payload": json.dumps(payload), "options": {"payloadType": "application/super+json"}})

    assert sqlite_yard.retrieve(run_id)["payload"] == {"when": "2024-04-01T00:00:00.000Z"}


@pytest.mark.parametrize("payload", [{"userId": "user_1234"}, [1, "two", {"three": 3}], 42, True, "plain words"])
def test_a_plain_json_payload_becomes_the_runs_input(sqlite_yard: Yard, payload: Any) -> None:
    run_id = sqlite_yard.trigger(body={"payload": payload})

    assert sqlite_yard.retrieve(run_id)["payload"] == payload


def test_json_text_with_payload_type_application_json_is_parsed(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger(body={"payload": '{"a": 1}', "options": {"payloadType": "application/json"}})

    assert sqlite_yard.retrieve(run_id)["payload"] == {"a": 1}


def test_text_plain_payload_stays_text(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger(body={"payload": '{"a": 1}', "options": {"payloadType": "text/plain"}})

    assert sqlite_yard.retrieve(run_id)["payload"] == '{"a": 1}'


def test_the_same_idempotency_key_twice_returns_the_first_run_cached(yard: Yard) -> None:
    body = {"payload": {"n": 1}, "options": {"idempotencyKey": "once"}}
    first = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=body, headers=yard.auth()).json()

    second = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={**body, "payload": {"n": 2}}, headers=yard.auth()).json()

    assert first == {"id": first["id"], "isCached": False}
    assert second == {"id": first["id"], "isCached": True}
    assert yard.list_ids() == [first["id"]]
    assert yard.retrieve(first["id"])["payload"] == {"n": 1}


def test_the_same_idempotency_key_in_another_environment_makes_another_run(yard: Yard) -> None:
    body = {"options": {"idempotencyKey": "shared-key"}}

    dev_run = yard.trigger(body=body)
    prod = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=body, headers=yard.auth("prod")).json()

    assert prod["id"] != dev_run
    assert prod["isCached"] is False
    assert yard.retrieve(prod["id"], env="prod")["idempotencyKey"] == "shared-key"


def test_an_idempotency_key_of_the_documented_maximum_length_works(yard: Yard) -> None:
    key = "k" * 256

    first = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": {"idempotencyKey": key}}, headers=yard.auth())
    second = yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": {"idempotencyKey": key}}, headers=yard.auth())

    assert first.status_code == 200, first.text
    assert second.json() == {"id": first.json()["id"], "isCached": True}
    assert yard.retrieve(first.json()["id"])["idempotencyKey"] == key


def test_a_delay_makes_a_delayed_run_due_that_much_later(yard: Yard) -> None:
    before = datetime.now(timezone.utc)

    run_id = yard.trigger(body={"options": {"delay": "1h"}})

    run = yard.retrieve(run_id)
    assert run["status"] == "DELAYED"
    assert run["isQueued"] is True
    due = parse_time(run["delayedUntil"])
    assert before + timedelta(minutes=59) < due < datetime.now(timezone.utc) + timedelta(minutes=61)
    assert yard.list_ids({"filter[status]": "DELAYED"}) == [run_id]


def test_a_delay_as_a_date_time_waits_until_then(sqlite_yard: Yard) -> None:
    at = (datetime.now(timezone.utc) + timedelta(days=2)).replace(microsecond=0)

    run = sqlite_yard.retrieve(sqlite_yard.trigger(body={"options": {"delay": at.isoformat().replace("+00:00", "Z")}}))

    assert run["status"] == "DELAYED"
    assert abs(parse_time(run["delayedUntil"]) - at) < timedelta(seconds=2)


@pytest.mark.parametrize(("ttl", "shown"), [("10m", "600s"), (600, "600s"), ("1h42m", "6120s"), ("30s", "30s")])
def test_a_ttl_is_kept_in_seconds(sqlite_yard: Yard, ttl: Any, shown: str) -> None:
    run_id = sqlite_yard.trigger(body={"options": {"ttl": ttl}})

    assert sqlite_yard.retrieve(run_id)["ttl"] == shown


@pytest.mark.parametrize(("tags", "kept"), [("solo", ["solo"]), (["a", "b"], ["a", "b"]), (["a", "a", "b"], ["a", "b"]), ([], [])])
def test_tags_may_be_a_string_or_a_list(sqlite_yard: Yard, tags: Any, kept: list[str]) -> None:
    run_id = sqlite_yard.trigger(body={"options": {"tags": tags}})

    assert sqlite_yard.retrieve(run_id)["tags"] == kept


def test_max_attempts_sets_the_runs_attempts(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger(body={"options": {"maxAttempts": 3}})

    assert sqlite_yard.row(run_id).max_attempts == 3


def test_without_max_attempts_the_job_setting_applies(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()

    assert sqlite_yard.row(run_id).max_attempts == demo_job().max_attempts


def test_options_test_marks_a_test_run(sqlite_yard: Yard) -> None:
    test_run = sqlite_yard.trigger(body={"options": {"test": True}})

    assert sqlite_yard.retrieve(test_run)["isTest"] is True
    assert sqlite_yard.retrieve(sqlite_yard.trigger())["isTest"] is False


def test_sdk_options_runyard_does_not_act_on_are_accepted(sqlite_yard: Yard) -> None:
    body = {"payload": {"a": 1}, "context": {"x": 1}, "options": {"queue": {"name": "q"}, "concurrencyKey": "c", "metadata": {"m": 1}, "machine": "small-1x"}}

    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=body, headers=sqlite_yard.auth())

    assert response.status_code == 200, response.text


def test_triggering_an_unknown_task_is_404_and_stores_nothing(sqlite_yard: Yard) -> None:
    total = sqlite_yard.native_total()

    response = sqlite_yard.client.post("/trigger/api/v1/tasks/no-such-task/trigger", json={}, headers=sqlite_yard.auth())

    assert response.status_code == 404
    assert response.json() == {"error": "Task not found: no-such-task"}
    assert sqlite_yard.native_total() == total


def test_trigger_answers_a_jwt_scoped_to_reading_the_run(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json={}, headers=sqlite_yard.auth())
    run_id = response.json()["id"]

    token = response.headers["x-trigger-jwt"]

    parts = token.split(".")
    assert len(parts) == 3 and all(re.fullmatch(r"[A-Za-z0-9_-]+", p) for p in parts)
    assert decode_jwt_part(parts[0])["alg"] == "HS256"
    claims = decode_jwt_part(parts[1])
    assert claims["scopes"] == [f"read:runs:{run_id}"]
    assert claims["exp"] > claims["iat"]
    expected = hmac.new(sqlite_yard.keys["dev"][1].encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4)) == expected


def test_a_cached_trigger_also_answers_a_jwt_for_the_existing_run(sqlite_yard: Yard) -> None:
    body = {"options": {"idempotencyKey": "jwt-key"}}
    first = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=body, headers=sqlite_yard.auth())

    again = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", json=body, headers=sqlite_yard.auth())

    claims = decode_jwt_part(again.headers["x-trigger-jwt"].split(".")[1])
    assert claims["scopes"] == [f"read:runs:{first.json()['id']}"]


def test_a_bodyless_trigger_with_a_json_content_type_works(sqlite_yard: Yard) -> None:
    response = sqlite_yard.client.post("/trigger/api/v1/tasks/demo/trigger", content=b"", headers={**sqlite_yard.auth(), "content-type": "application/json"})

    assert response.status_code == 200, response.text
    assert sqlite_yard.retrieve(response.json()["id"])["status"] == "QUEUED"


# ---------------------------------------------------------------- retrieve, cancel, replay


def test_retrieve_has_the_documented_shape(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger(body={"payload": {"userId": "user_1234"}, "options": {"tags": ["a"]}})

    run = sqlite_yard.retrieve(run_id)

    assert run["id"] == run_id
    assert run["taskIdentifier"] == "demo"
    assert run["status"] == "QUEUED"
    assert run["depth"] == 0
    assert run["triggerFunction"] == "trigger"
    assert run["relatedRuns"] == {}
    assert run["attempts"] == []
    assert run["attemptCount"] == 0
    assert run["payload"] == {"userId": "user_1234"}
    assert run["tags"] == ["a"]
    assert "env" not in run
    assert "output" not in run and "error" not in run


def test_retrieve_of_a_succeeded_run_has_its_output(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()
    sqlite_yard.put_in_state(run_id, "succeeded")

    run = sqlite_yard.retrieve(run_id)

    assert run["output"] == {"ok": True}
    assert run["attemptCount"] == 1
    assert run["durationMs"] == 2000
    assert "error" not in run


@pytest.mark.parametrize("state", ["failed", "timed_out", "crashed", "system_failure"])
def test_retrieve_of_a_failed_run_has_its_error_message(sqlite_yard: Yard, state: str) -> None:
    run_id = sqlite_yard.trigger()
    sqlite_yard.put_in_state(run_id, state)

    run = sqlite_yard.retrieve(run_id)

    assert run["error"] == {"message": f"the run {state}"}
    assert "output" not in run


def test_cancelling_a_queued_run_cancels_it(yard: Yard) -> None:
    run_id = yard.trigger()

    response = yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", headers=yard.auth())

    assert response.status_code == 200
    assert response.json() == {"id": run_id}
    run = yard.retrieve(run_id)
    assert run["status"] == "CANCELED"
    assert run["isCancelled"] is True and run["isCompleted"] is True
    assert "finishedAt" in run


def test_cancelling_a_delayed_run_cancels_it(yard: Yard) -> None:
    run_id = yard.trigger(body={"options": {"delay": "1h"}})

    assert yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", headers=yard.auth()).json() == {"id": run_id}
    assert yard.retrieve(run_id)["status"] == "CANCELED"


def test_cancelling_a_running_run_asks_it_to_stop(yard: Yard) -> None:
    run_id = yard.trigger()
    yard.put_in_state(run_id, "running")

    response = yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", headers=yard.auth())

    assert response.json() == {"id": run_id}
    assert yard.row(run_id).state == "cancelling"
    assert yard.retrieve(run_id)["status"] == "EXECUTING"


@pytest.mark.parametrize("state", ["succeeded", "failed", "cancelled", "expired"])
def test_cancelling_a_finished_run_answers_200_and_changes_nothing(yard: Yard, state: str) -> None:
    run_id = yard.trigger()
    yard.put_in_state(run_id, state)
    before = yard.retrieve(run_id)

    response = yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", headers=yard.auth())

    assert response.status_code == 200
    assert response.json() == {"id": run_id}
    assert yard.retrieve(run_id) == before


def test_a_bodyless_cancel_with_a_json_content_type_works(sqlite_yard: Yard) -> None:
    run_id = sqlite_yard.trigger()

    response = sqlite_yard.client.post(f"/trigger/api/v2/runs/{run_id}/cancel", content=b"", headers={**sqlite_yard.auth(), "content-type": "application/json"})

    assert response.status_code == 200, response.text
    assert sqlite_yard.retrieve(run_id)["status"] == "CANCELED"


def test_replay_makes_a_new_run_of_the_same_task_payload_and_tags(yard: Yard) -> None:
    original = yard.trigger("email", {"payload": {"to": "a@example.com"}, "options": {"tags": ["x", "y"]}})
    yard.put_in_state(original, "failed")

    response = yard.client.post(f"/trigger/api/v1/runs/{original}/replay", headers=yard.auth())

    assert response.status_code == 200
    assert set(response.json()) == {"id"}
    replay = yard.retrieve(response.json()["id"])
    assert replay["id"] != original
    assert replay["status"] == "QUEUED"
    assert replay["taskIdentifier"] == "email"
    assert replay["payload"] == {"to": "a@example.com"}
    assert replay["tags"] == ["x", "y"]
    assert yard.retrieve(original)["status"] == "FAILED"
    assert yard.list_ids() == [replay["id"], original]


def test_replay_body_overrides_the_tags(yard: Yard) -> None:
    original = yard.trigger(body={"payload": {"n": 1}, "options": {"tags": ["old"]}})

    response = yard.client.post(f"/trigger/api/v1/runs/{original}/replay", json={"tags": ["replayed"]}, headers=yard.auth())

    replay = yard.retrieve(response.json()["id"])
    assert replay["tags"] == ["replayed"]
    assert replay["payload"] == {"n": 1}


def test_replay_body_may_give_a_new_payload(sqlite_yard: Yard) -> None:
    original = sqlite_yard.trigger(body={"payload": {"n": 1}})

    response = sqlite_yard.client.post(f"/trigger/api/v1/runs/{original}/replay", json={"payload": {"n": 2}}, headers=sqlite_yard.auth())

    assert sqlite_yard.retrieve(response.json()["id"])["payload"] == {"n": 2}


def test_replay_keeps_a_test_run_a_test_run(sqlite_yard: Yard) -> None:
    original = sqlite_yard.trigger(body={"options": {"test": True}})

    response = sqlite_yard.client.post(f"/trigger/api/v1/runs/{original}/replay", headers=sqlite_yard.auth())

    assert sqlite_yard.retrieve(response.json()["id"])["isTest"] is True


def test_a_bodyless_replay_with_a_json_content_type_works(sqlite_yard: Yard) -> None:
    original = sqlite_yard.trigger(body={"payload": {"n": 1}})

    response = sqlite_yard.client.post(
        f"/trigger/api/v1/runs/{original}/replay", content=b"", headers={**sqlite_yard.auth(), "content-type": "application/json"}
    )

    assert response.status_code == 200, response.text
    assert sqlite_yard.retrieve(response.json()["id"])["payload"] == {"n": 1}


def test_replaying_twice_makes_two_runs(sqlite_yard: Yard) -> None:
    original = sqlite_yard.trigger(body={"options": {"idempotencyKey": "replayable"}})

    first = sqlite_yard.client.post(f"/trigger/api/v1/runs/{original}/replay", headers=sqlite_yard.auth()).json()["id"]
    second = sqlite_yard.client.post(f"/trigger/api/v1/runs/{original}/replay", headers=sqlite_yard.auth()).json()["id"]

    assert len({original, first, second}) == 3


# ---------------------------------------------------------------- CLI: runyard keys


def run_cli(*args: str, database_url: str, columns: int = 200) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": str(columns), "NO_COLOR": "1"}
    env.pop("RUNYARD_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "runyard", "keys", *args, "--database-url", database_url],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@dataclass
class CliKey:
    url: str
    created: subprocess.CompletedProcess[str]
    secret: str
    key_id: str


@pytest.fixture(scope="module")
def cli_key(tmp_path_factory: pytest.TempPathFactory) -> CliKey:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'runyard.db'}"
    created = run_cli("create", "--env", "prod", database_url=url)
    assert created.returncode == 0, created.stderr
    key_id = re.search(r"\bkey_[0-9a-z]{26}\b", created.stderr)
    assert key_id, created.stderr
    return CliKey(url, created, created.stdout.strip(), key_id.group(0))


def test_cli_keys_create_prints_a_tr_prod_key_once_on_stdout(cli_key: CliKey) -> None:
    assert cli_key.created.stdout.count("\n") == 1
    assert re.fullmatch(r"tr_prod_[A-Za-z0-9]{20,}", cli_key.secret)
    assert cli_key.secret not in cli_key.created.stderr


def test_cli_keys_create_names_the_key_id_and_environment_on_stderr(cli_key: CliKey) -> None:
    assert cli_key.key_id in cli_key.created.stderr
    assert "prod" in cli_key.created.stderr


def test_a_cli_created_key_authenticates_in_its_environment(cli_key: CliKey) -> None:
    with TestClient(create_app(cli_key.url, jobs=JOBS)) as client:
        headers = {"Authorization": f"Bearer {cli_key.secret}"}
        run_id = client.post("/trigger/api/v1/tasks/demo/trigger", json={}, headers=headers).json()["id"]
        listed = client.get(RUNS, headers=headers).json()

    assert [item["id"] for item in listed["data"]] == [run_id]
    assert listed["data"][0]["env"]["name"] == "prod"


def test_cli_keys_list_shows_the_prefix_but_not_the_secret(cli_key: CliKey) -> None:
    listed = run_cli("list", database_url=cli_key.url)

    assert listed.returncode == 0, listed.stderr
    assert cli_key.secret not in listed.stdout + listed.stderr
    shown = re.findall(r"tr_prod_[A-Za-z0-9]*", listed.stdout)
    assert len(shown) == 1 and len(shown[0]) > len("tr_prod_"), listed.stdout  # the prefix, and a few characters to recognise it
    assert cli_key.secret.startswith(shown[0]) and len(shown[0]) < len(cli_key.secret) - 16
    assert cli_key.key_id in listed.stdout
    assert "prod" in listed.stdout


def test_cli_keys_list_shows_whole_key_ids_on_an_80_column_terminal(cli_key: CliKey) -> None:
    listed = run_cli("list", database_url=cli_key.url, columns=80)

    assert cli_key.key_id in listed.stdout


def test_cli_keys_revoke_makes_the_key_401(sqlite_url: str) -> None:
    created = run_cli("create", "--env", "prod", database_url=sqlite_url)
    secret = created.stdout.strip()
    key_id = re.search(r"\bkey_[0-9a-z]{26}\b", created.stderr).group(0)

    with TestClient(create_app(sqlite_url, jobs=JOBS)) as client:
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get(RUNS, headers=headers).status_code == 200
        revoked = run_cli("revoke", key_id, database_url=sqlite_url)
        after = client.get(RUNS, headers=headers)

    assert revoked.returncode == 0, revoked.stderr
    assert after.status_code == 401
    assert after.json() == {"error": "Invalid or Missing API key"}


def test_cli_keys_revoke_of_an_unknown_key_exits_2(cli_key: CliKey) -> None:
    revoked = run_cli("revoke", "key_01jd3k5z8q4m2x7v9w0y1z2a3b", database_url=cli_key.url)

    assert revoked.returncode == 2
    assert revoked.stderr.strip().startswith("error:")


@pytest.mark.parametrize("env_name", ["Bad Name", "x" * 33])
def test_cli_keys_create_with_an_invalid_environment_exits_2_with_one_line(tmp_path: Path, env_name: str) -> None:
    created = run_cli("create", "--env", env_name, database_url=f"sqlite:///{tmp_path / 'runyard.db'}")

    assert created.returncode == 2
    assert created.stdout == ""
    lines = created.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "environment" in lines[0], created.stderr


def test_a_list_item_shows_every_field_it_shares_with_the_retrieved_run(yard: Yard) -> None:
    # Lists read a run's listed columns only (ListedRun); what they show must be what a retrieve shows.
    options = {"idempotencyKey": "listed-key", "ttl": "1h", "delay": "1h", "metadata": {"stage": "one", "n": 2}, "tags": ["a", "b"], "machine": "small-1x"}
    delayed = yard.trigger(body={"payload": {"x": 1}, "options": options})
    plain = yard.trigger(body={"payload": [1, 2]})
    items = {item["id"]: item for item in yard.list()["data"]}

    for run_id in (delayed, plain):
        item, retrieved = items[run_id], yard.retrieve(run_id)
        shared = set(item) - {"env"}
        assert {k: item[k] for k in shared} == {k: retrieved[k] for k in shared}, run_id
    assert {"idempotencyKey", "ttl", "delayedUntil", "metadata", "machine"} <= set(items[delayed])
    assert items[delayed]["metadata"] == {"stage": "one", "n": 2}
