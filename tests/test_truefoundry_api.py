"""The TrueFoundry-compatible job runs API under /api/svc/v1/jobs, one behaviour per test.

The specification is openapi/runyard.yaml (tag `truefoundry`: TrueFoundry's
list-job-runs page, how each internal state is shown, what the official SDK
needs). The app runs in-process
without a worker; a run that needs another state, start time or duration gets
its row changed directly, as a worker would. Whatever reads or filters the
store runs on SQLite and on PostgreSQL (`yard`); pure request/response shapes
run on SQLite (`sqlite_yard`).

Runs listed are those of the job in the caller key's environment. Jobs are
global, so each test defines jobs of its own (`<base>-<n>`) and gets fresh
environments (`dev-<n>` with two keys, `prod-<n>` with one).

Sorting (documented here, pinned by the tests): `sortBy` orders by the value,
ties by run id in the same direction, and a run without the value (no start
time, no duration, no trigger key) sorts as the **smallest**: first in `asc`,
last in `desc`, on SQLite and PostgreSQL alike (the order the sort indexes hold).
"""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.store.keys import ApiKey
from runyard.store.schema import jobs as jobs_table
from runyard.timeutil import now_us
from tests.support.databases import pg_database, sqlite_database
from tests.support.keys import create_keys
from tests.support.truefoundry import SORT_COLUMN
from tests.support.yard import Rows, Store, open_store

API = "/api/svc/v1/jobs"
NATIVE_JOBS = "/api/v1/jobs"

# How the TrueFoundry dialect shows each internal state (the spec's TrueFoundryJobRunStatus).
SHOWN_AS = {
    "delayed": "SCHEDULED",
    "queued": "CREATED",
    "running": "RUNNING",
    "retrying": "RUNNING",
    "cancelling": "TERMINATION_REQUESTED",
    "succeeded": "FINISHED",
    "failed": "FAILED",
    "timed_out": "FAILED",
    "crashed": "FAILED",
    "system_failure": "FAILED",
    "cancelled": "TERMINATED",
    "expired": "TERMINATED",
}
TF_STATUSES = ["CREATED", "SCHEDULED", "RUNNING", "FINISHED", "FAILED", "TERMINATION_REQUESTED", "TERMINATING", "TERMINATED", "UNKNOWN"]
JOB_RUN_REQUIRED = {"id", "name", "applicationName", "deploymentVersion", "createdAt", "command", "totalRetries", "status"}
SORT_BY = ["startTime", "duration", "deploymentVersion", "triggeredBy", "status"]


# ---------------------------------------------------------------- the app, its keys, its jobs and rows


@dataclass
class Yard(Rows):
    """The shared app seen through fresh environments: `dev` (keys `dev`, `dev2`) and `prod`."""

    ran_ms: ClassVar[int] = 2500
    exit_codes: ClassVar[bool] = True

    client: TestClient
    url: str
    engine: sa.Engine
    keys: dict[str, tuple[ApiKey, str]]
    n: int

    def auth(self, key: str = "dev") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[key][1]}"}

    def key_id(self, key: str = "dev") -> str:
        return self.keys[key][0].id

    def env_name(self, key: str = "dev") -> str:
        return self.keys[key][0].environment.name

    def job(self, base: str, command: list[str] | None = None, **spec: Any) -> str:
        """Define (or redefine) this test's job `<base>-<n>`; returns its name."""
        name = f"{base}-{self.n}"
        response = self.client.put(f"{NATIVE_JOBS}/{name}", json={"command": command or ["true"], **spec})
        assert response.status_code in (200, 201), response.text
        return name

    def job_id(self, name: str) -> str:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(jobs_table.c.id).where(jobs_table.c.name == name)).scalar_one()

    def trigger_raw(self, body: dict[str, Any], key: str = "dev") -> httpx.Response:
        return self.client.post(f"{API}/trigger", json=body, headers=self.auth(key))

    def trigger(self, job: str, key: str = "dev", **body: Any) -> dict[str, Any]:
        """Trigger a run of `job` (by name); returns its JobRun."""
        response = self.trigger_raw({"applicationId": job, **body}, key)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def list_raw(self, job: str, params: Any = None, key: str = "dev") -> httpx.Response:
        return self.client.get(f"{API}/{job}/runs", params=params or {}, headers=self.auth(key))

    def list(self, job: str, params: Any = None, key: str = "dev") -> dict[str, Any]:
        response = self.list_raw(job, params, key)
        assert response.status_code == 200, response.text
        return response.json()

    def names(self, job: str, params: Any = None, key: str = "dev") -> list[str]:
        return [run["name"] for run in self.list(job, _with(params, limit=1000), key)["data"]]

    def ids(self, job: str, params: Any = None, key: str = "dev") -> list[str]:
        return [run["id"] for run in self.list(job, _with(params, limit=1000), key)["data"]]

    def walk(self, job: str, params: Any = None, limit: int = 3) -> list[str]:
        """Every page by offset until an empty one, as the SDK's pager does; the ids in order."""
        seen: list[str] = []
        while True:
            page = self.list(job, _with(params, limit=limit, offset=len(seen)))["data"]
            if not page:
                return seen
            seen += [run["id"] for run in page]
            assert len(seen) < 10_000, "the walk does not end"

    def get_raw(self, job: str, run: str, key: str = "dev") -> httpx.Response:
        return self.client.get(f"{API}/{job}/runs/{run}", headers=self.auth(key))

    def get(self, job: str, run: str, key: str = "dev") -> dict[str, Any]:
        response = self.get_raw(job, run, key)
        assert response.status_code == 200, response.text
        return response.json()["data"]


def _with(params: Any, **extra: Any) -> list[tuple[str, Any]]:
    """Query parameters as pairs (repeated keys allowed), with `extra` appended unless already given."""
    pairs = list(params.items()) if isinstance(params, dict) else list(params or [])
    given = {key for key, _ in pairs}
    return pairs + [(key, value) for key, value in extra.items() if key not in given]


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[Store]:
    with open_store(sqlite_database(sqlite_template_path, tmp_path_factory.mktemp("truefoundry") / "runyard.db")) as store:
        yield store


@pytest.fixture(scope="module")
def postgresql_store(pg_server: str, pg_template_name: str) -> Iterator[Store]:
    with pg_database(pg_server, pg_template_name, "runyard_truefoundry") as url, open_store(url) as store:
        yield store


_numbers = itertools.count(1)


def _yard(store: Store) -> Yard:
    n = next(_numbers)
    keys = create_keys(store.url, {"dev": f"dev-{n}", "dev2": f"dev-{n}", "prod": f"prod-{n}"})
    return Yard(store.client, store.url, store.engine, keys, n)


@pytest.fixture(params=["sqlite", "postgresql"])
def yard(request: pytest.FixtureRequest) -> Yard:
    """Fresh environments on SQLite and on PostgreSQL."""
    return _yard(request.getfixturevalue(f"{request.param}_store"))


@pytest.fixture
def sqlite_yard(sqlite_store: Store) -> Yard:
    """Fresh environments on SQLite, for what does not depend on the store."""
    return _yard(sqlite_store)


def backend(yard: Yard) -> str:
    return "sqlite" if yard.url.startswith("sqlite") else "postgresql"


def assert_http_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """TrueFoundry's HttpError: {statusCode, message, code?, details?}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["statusCode"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert set(body) <= {"statusCode", "message", "code", "details"}, body
    if "details" in body:
        assert isinstance(body["details"], list) and all(isinstance(d, dict) for d in body["details"])
    return body


def expected_order(rows: list[dict[str, Any]], column: str, descending: bool) -> list[str]:
    """ORDER BY column (a missing value the smallest), then id in the same direction."""
    ordered = sorted(rows, key=lambda r: (r[column] is not None, r[column] if r[column] is not None else 0, r["id"]), reverse=descending)
    return [r["id"] for r in ordered]


# ---------------------------------------------------------------- sorting


def _sort_fixture(yard: Yard) -> tuple[str, list[dict[str, Any]]]:
    """Ten runs over job versions 1, 2, 9 and 10, with ties and NULLs in every sortable column.

    States are only queued and succeeded: the two orders internal state names and
    shown statuses agree on (see test_sort_by_status_orders_by_the_shown_status).
    """
    job = ""
    for version in range(1, 11):
        job = yard.job("sort", ["echo", f"v{version}"])
    job_id = yard.job_id(job)
    base = now_us() - 3_600_000_000
    versions = [1, 2, 10, 2, 10, 1, 9, 2, 10, 1]
    started = [3, 1, None, 3, 2, None, 1, 3, None, 2]
    durations = [5000, None, 1000, 5000, 3000, None, 1000, 5000, 2000, None]
    keys = ["dev", "dev2", None, "dev", "dev2", "dev", None, "dev2", "dev", "dev"]
    states = ["queued", "succeeded", "succeeded", "queued", "succeeded", "queued", "queued", "succeeded", "queued", "succeeded"]
    rows = []
    for i in range(10):
        run = yard.trigger_raw({"deploymentId": f"{job_id}:{versions[i]}"}, keys[i] or "dev").json()["data"]
        assert run["deploymentVersion"] == str(versions[i])
        columns = {
            "started_at": base + started[i] * 1_000_000 if started[i] is not None else None,
            "duration_ms": durations[i],
            "triggered_by": yard.key_id(keys[i]) if keys[i] else None,
            "state": states[i],
        }
        yard.set_row(run["id"], **columns)
        rows.append({"id": run["id"], "job_version": versions[i], **columns})
    return job, rows


@pytest.mark.parametrize("sort_by", SORT_BY)
def test_each_sort_by_in_both_orders_breaks_ties_by_id_and_is_stable_across_pages(yard: Yard, sort_by: str) -> None:
    job, rows = _sort_fixture(yard)
    column = SORT_COLUMN[sort_by]
    for order in ("asc", "desc"):
        expected = expected_order(rows, column, descending=order == "desc")
        params = {"sortBy": sort_by, "order": order}
        assert yard.ids(job, params) == expected, (sort_by, order)
        assert yard.walk(job, params, limit=3) == expected, (sort_by, order)
    if sort_by == "deploymentVersion":
        # Numerically, though deploymentVersion is shown as a string: 10 after 9 after 2.
        shown = [run["deploymentVersion"] for run in yard.list(job, {"sortBy": sort_by, "order": "asc"})["data"]]
        assert shown == ["1", "1", "1", "2", "2", "2", "9", "10", "10", "10"]


def test_sort_without_order_is_descending(yard: Yard) -> None:
    job, rows = _sort_fixture(yard)
    assert yard.ids(job, {"sortBy": "duration"}) == expected_order(rows, "duration_ms", descending=True)


def test_runs_without_the_sorted_value_sort_as_the_smallest(yard: Yard) -> None:
    """First in asc, last in desc."""
    job, rows = _sort_fixture(yard)
    without_start = {r["id"] for r in rows if r["started_at"] is None}
    for order in ("asc", "desc"):
        listed = yard.list(job, {"sortBy": "startTime", "order": order})["data"]
        ends = listed[: len(without_start)] if order == "asc" else listed[-len(without_start) :]
        assert {run["id"] for run in ends} == without_start, order
        untriggered = [run["triggeredBy"] for run in yard.list(job, {"sortBy": "triggeredBy", "order": order})["data"]]
        assert (untriggered[:2] if order == "asc" else untriggered[-2:]) == [None, None], order
        assert None not in (untriggered[2:] if order == "asc" else untriggered[:-2]), order
        durations = [run["duration"] for run in yard.list(job, {"sortBy": "duration", "order": order})["data"]]
        assert (durations[:3] if order == "asc" else durations[-3:]) == [None, None, None], order
        assert None not in (durations[3:] if order == "asc" else durations[:-3]), order


def test_sort_by_status_orders_by_the_shown_status(yard: Yard) -> None:
    job = yard.job("sortstatus")
    ids = {}
    for state, status in SHOWN_AS.items():
        run = yard.trigger(job)
        yard.put_in_state(run["id"], state)
        ids[run["id"]] = status
    for order in ("asc", "desc"):
        expected = sorted(ids, key=lambda i: (ids[i], i), reverse=order == "desc")
        listed = yard.list(job, {"sortBy": "status", "order": order})["data"]
        assert [run["status"] for run in listed] == [ids[i] for i in expected]
        assert [run["id"] for run in listed] == expected


def test_default_order_is_newest_first_ties_by_id(yard: Yard) -> None:
    job = yard.job("newest")
    runs = [yard.trigger(job)["id"] for _ in range(5)]
    created = {run_id: yard.row(run_id).created_at for run_id in runs}
    # Two runs created at the same microsecond: the greater id comes first.
    created[runs[1]] = created[runs[3]]
    yard.set_row(runs[1], created_at=created[runs[1]])
    newest_first = sorted(runs, key=lambda run_id: (created[run_id], run_id), reverse=True)
    assert yard.ids(job) == newest_first
    assert yard.walk(job, limit=2) == newest_first
    assert yard.ids(job, {"order": "asc"}) == newest_first[::-1]
    assert yard.ids(job, {"order": "desc"}) == newest_first


# ---------------------------------------------------------------- filters


def test_search_prefix_matches_the_name(yard: Yard) -> None:
    job = yard.job("search")
    for _ in range(12):
        yard.trigger(job)
    assert sorted(yard.names(job, {"searchPrefix": f"{job}-1"})) == sorted([f"{job}-1", f"{job}-10", f"{job}-11", f"{job}-12"])
    assert yard.names(job, {"searchPrefix": f"{job}-5"}) == [f"{job}-5"]
    assert yard.list(job, {"searchPrefix": f"{job}-13"}) == {"data": [], "pagination": {"total": 0, "offset": 0, "limit": 100}}
    assert len(yard.names(job, {"searchPrefix": job})) == 12


def test_search_prefix_matches_the_id(yard: Yard) -> None:
    job = yard.job("searchid")
    runs = [yard.trigger(job)["id"] for _ in range(3)]
    for run_id in runs:
        assert yard.ids(job, {"searchPrefix": run_id}) == [run_id]
    assert sorted(yard.ids(job, {"searchPrefix": "run_"})) == sorted(runs)


def test_percent_and_underscore_in_a_search_prefix_are_literal(yard: Yard) -> None:
    job = yard.job("lit_x")  # names lit_x-<n>-1 .. lit_x-<n>-11
    for _ in range(11):
        yard.trigger(job)
    assert len(yard.names(job, {"searchPrefix": "lit_x"})) == 11
    for prefix in ["lit%", "%", "_", "lit_x%", f"{job}-1_", f"{job}-1%", "litXx", "lit\\", "run%", "run_0%"]:
        listed = yard.list(job, {"searchPrefix": prefix})
        assert listed["data"] == [] and listed["pagination"]["total"] == 0, prefix


@pytest.mark.parametrize("prefix_case", ["lower", "upper"])
def test_search_prefix_is_case_sensitive(yard: Yard, prefix_case: str) -> None:
    job = yard.job("Mixed")
    run_id = yard.trigger(job)["id"]
    prefix = job.lower() if prefix_case == "lower" else run_id.upper()
    assert yard.names(job, {"searchPrefix": prefix}) == []


def test_status_filter_takes_repeated_keys_and_comma_lists(yard: Yard) -> None:
    job = yard.job("statusfilter")
    by_state = {}
    for state in ["queued", "running", "failed", "crashed", "succeeded", "cancelled"]:
        run_id = yard.trigger(job)["id"]
        yard.put_in_state(run_id, state)
        by_state[state] = run_id
    running_or_failed = {by_state["running"], by_state["failed"], by_state["crashed"]}
    assert set(yard.ids(job, [("status", "RUNNING"), ("status", "FAILED")])) == running_or_failed
    assert set(yard.ids(job, {"status": "RUNNING,FAILED"})) == running_or_failed
    assert set(yard.ids(job, [("status", "RUNNING,FAILED"), ("status", "CREATED")])) == running_or_failed | {by_state["queued"]}
    assert yard.list(job, [("status", "FAILED"), ("status", "FAILED")])["pagination"]["total"] == 2
    assert yard.ids(job, {"status": "TERMINATING"}) == []


@pytest.mark.parametrize("value", ["BOGUS", "running", "RUNNING,", "RUNNING,,FAILED"])
def test_an_unknown_status_is_422(sqlite_yard: Yard, value: str) -> None:
    job = sqlite_yard.job("badstatus")
    body = assert_http_error(sqlite_yard.list_raw(job, {"status": value}), 422)
    assert body["code"] == "VALIDATION_ERROR"
    assert [d["parameter"] for d in body["details"]] == ["status"]


def test_status_mapping_each_internal_state(yard: Yard) -> None:
    job = yard.job("mapping")
    shown = {}
    for state, status in SHOWN_AS.items():
        run = yard.trigger(job)
        yard.put_in_state(run["id"], state)
        assert yard.get(job, run["name"])["status"] == status, state
        shown[run["id"]] = status
    listed = {run["id"]: run["status"] for run in yard.list(job)["data"]}
    assert listed == shown
    for status in TF_STATUSES:
        assert set(yard.ids(job, {"status": status})) == {i for i, s in shown.items() if s == status}, status


def test_version_numbers_filter_takes_floats(yard: Yard) -> None:
    job = yard.job("versions", ["echo", "one"])
    v1 = {yard.trigger(job)["id"] for _ in range(2)}
    yard.job("versions", ["echo", "two"])
    v2 = {yard.trigger(job)["id"] for _ in range(3)}
    assert set(yard.ids(job, {"versionNumbers": "1"})) == v1
    assert set(yard.ids(job, {"versionNumbers": "1.0"})) == v1
    assert set(yard.ids(job, {"versionNumbers": "2.0"})) == v2
    assert set(yard.ids(job, [("versionNumbers", "2"), ("versionNumbers", "1.0")])) == v1 | v2
    assert yard.ids(job, {"versionNumbers": "1.5"}) == []
    assert yard.ids(job, {"versionNumbers": "3"}) == []
    assert set(yard.ids(job, [("versionNumbers", "1.5"), ("versionNumbers", "2")])) == v2
    assert {run["deploymentVersion"] for run in yard.list(job, {"versionNumbers": "2"})["data"]} == {"2"}
    assert_http_error(yard.list_raw(job, {"versionNumbers": "two"}), 422)


def test_triggered_by_filter(yard: Yard) -> None:
    job = yard.job("whom")
    mine = {yard.trigger(job, "dev")["id"] for _ in range(2)}
    theirs = {yard.trigger(job, "dev2")["id"] for _ in range(3)}
    assert set(yard.ids(job, {"triggeredBy": yard.key_id("dev")})) == mine
    assert set(yard.ids(job, {"triggeredBy": yard.key_id("dev2")})) == theirs
    assert set(yard.ids(job, [("triggeredBy", yard.key_id("dev")), ("triggeredBy", yard.key_id("dev2"))])) == mine | theirs
    assert set(yard.ids(job, {"triggeredBy": f"{yard.key_id('dev')},{yard.key_id('dev2')}"})) == mine | theirs
    assert yard.ids(job, {"triggeredBy": "key_nobody"}) == []
    run = yard.get(job, next(iter(theirs)))
    assert run["triggeredBy"] == yard.key_id("dev2")
    assert run["triggeredBySubject"] == {"subjectId": yard.key_id("dev2"), "subjectType": "serviceaccount", "subjectSlug": yard.key_id("dev2")}


def test_combined_filters_intersect(yard: Yard) -> None:
    job = yard.job("combined", ["echo", "one"])
    runs: dict[str, dict[str, Any]] = {}
    for version in (1, 2):
        if version == 2:
            yard.job("combined", ["echo", "two"])
        for key in ("dev", "dev2"):
            for state in ("running", "failed", "queued"):
                run = yard.trigger(job, key)
                yard.put_in_state(run["id"], state)
                runs[run["id"]] = {"name": run["name"], "version": version, "key": key, "state": state}
    params = [
        ("status", "RUNNING"),
        ("status", "FAILED"),
        ("triggeredBy", yard.key_id("dev2")),
        ("versionNumbers", "2"),
    ]
    wanted = {i for i, r in runs.items() if r["state"] in ("running", "failed") and r["key"] == "dev2" and r["version"] == 2}
    assert len(wanted) == 2
    listed = yard.list(job, _with(params, limit=1000))
    assert {run["id"] for run in listed["data"]} == wanted
    assert listed["pagination"]["total"] == 2
    one = min(runs[i]["name"] for i in wanted)
    assert yard.names(job, params + [("searchPrefix", one)]) == [one]
    assert yard.list(job, _with(params, limit=1, offset=1))["pagination"] == {"total": 2, "offset": 1, "limit": 1}


# ---------------------------------------------------------------- pages


def test_pagination_reports_total_offset_and_limit(yard: Yard) -> None:
    job = yard.job("pages")
    runs = [yard.trigger(job)["id"] for _ in range(5)]
    newest_first = runs[::-1]
    assert yard.list(job)["pagination"] == {"total": 5, "offset": 0, "limit": 100}
    page = yard.list(job, {"limit": 2, "offset": 1})
    assert page["pagination"] == {"total": 5, "offset": 1, "limit": 2}
    assert [run["id"] for run in page["data"]] == newest_first[1:3]
    assert [run["id"] for run in yard.list(job, {"limit": 2, "offset": 4})["data"]] == newest_first[4:]


@pytest.mark.parametrize("offset", [5, 6, 1000, 2147483647])
def test_an_offset_past_the_end_is_an_empty_page(yard: Yard, offset: int) -> None:
    job = yard.job("pastend")
    for _ in range(5):
        yard.trigger(job)
    assert yard.list(job, {"limit": 10, "offset": offset}) == {"data": [], "pagination": {"total": 5, "offset": offset, "limit": 10}}


def test_limit_1000_is_accepted(yard: Yard) -> None:
    job = yard.job("limit")
    yard.trigger(job)
    page = yard.list(job, {"limit": 1000})
    assert page["pagination"] == {"total": 1, "offset": 0, "limit": 1000}
    assert len(page["data"]) == 1


@pytest.mark.parametrize(
    ("parameter", "value", "words"),
    [
        ("limit", "1001", "greater than the maximum of 1000"),
        ("limit", "0", "less than the minimum of 1"),
        ("limit", "ten", "not of type 'integer'"),
        ("offset", "-1", "less than the minimum of 0"),
        ("offset", "2147483648", "greater than the maximum"),
        ("sortBy", "createdAt", "sortBy"),
        ("order", "up", "order"),
    ],
)
def test_invalid_query_values_are_422_with_details(sqlite_yard: Yard, parameter: str, value: str, words: str) -> None:
    job = sqlite_yard.job("invalid")
    body = assert_http_error(sqlite_yard.list_raw(job, {parameter: value}), 422)
    assert body["code"] == "VALIDATION_ERROR"
    assert words in body["message"]
    assert len(body["details"]) == 1
    assert body["details"][0]["parameter"] == parameter
    assert words in body["details"][0]["message"]


# ---------------------------------------------------------------- the JobRun


def _assert_job_run(run: dict[str, Any]) -> None:
    """The fields and types truefoundry-sdk 0.6.0's JobRun model requires."""
    assert JOB_RUN_REQUIRED <= set(run), run
    for field in ("id", "name", "applicationName", "deploymentVersion", "command", "status"):
        assert isinstance(run[field], str), (field, run[field])
    assert isinstance(run["createdAt"], (int, float)) and not isinstance(run["createdAt"], bool)
    assert isinstance(run["totalRetries"], int) and not isinstance(run["totalRetries"], bool) and run["totalRetries"] >= 0
    assert run["status"] in TF_STATUSES
    assert run.get("endTime") is None or isinstance(run["endTime"], (int, float))
    assert run.get("duration") is None or (isinstance(run["duration"], int) and run["duration"] >= 0)
    assert run.get("exitCode") is None or isinstance(run["exitCode"], int)


def test_job_run_has_the_required_fields_and_types(yard: Yard) -> None:
    job = yard.job("fields", ["python3", "-c", "print('a b')"])
    job_id = yard.job_id(job)
    before_ms = now_us() // 1000
    triggered = yard.trigger(job)
    after_ms = now_us() // 1000
    listed = yard.list(job)["data"][0]
    fetched = yard.get(job, triggered["name"])
    assert triggered == listed == fetched
    for run in (triggered, listed, fetched):
        _assert_job_run(run)
    assert fetched["id"].startswith("run_")
    assert fetched["name"] == f"{job}-1"
    assert fetched["applicationName"] == job
    assert fetched["applicationId"] == job_id
    assert fetched["deploymentVersion"] == "1"
    assert fetched["deploymentId"] == f"{job_id}:1"
    assert before_ms <= fetched["createdAt"] <= after_ms  # epoch milliseconds
    assert fetched["createdAt"] == yard.row(fetched["id"]).created_at // 1000
    assert fetched["command"] == shlex.join(["python3", "-c", "print('a b')"])
    assert fetched["totalRetries"] == 0
    assert fetched["status"] == "CREATED"
    assert fetched["endTime"] is None and fetched["duration"] is None and fetched["exitCode"] is None and fetched["error"] is None
    assert fetched["triggeredBy"] == yard.key_id("dev")


def test_a_finished_job_run_has_end_time_duration_exit_code_and_retries(yard: Yard) -> None:
    job = yard.job("finished")
    run = yard.trigger(job)
    row = yard.row(run["id"])
    yard.set_row(
        run["id"], state="failed", started_at=row.created_at + 1_000_000, completed_at=row.created_at + 8_500_000,
        duration_ms=7500, exit_code=3, attempt=3, max_attempts=3, error="exit 3",
    )  # fmt: skip
    fetched = yard.get(job, run["name"])
    _assert_job_run(fetched)
    assert fetched["status"] == "FAILED"
    assert fetched["endTime"] == (row.created_at + 8_500_000) // 1000
    assert fetched["duration"] == 7  # whole seconds
    assert fetched["exitCode"] == 3
    assert fetched["totalRetries"] == 2
    assert fetched["error"] == "exit 3"


def test_a_run_is_found_by_name_or_id_and_the_job_by_name_or_id(yard: Yard) -> None:
    job = yard.job("refs")
    run = yard.trigger(job)
    job_id = yard.job_id(job)
    for job_ref in (job, job_id):
        for run_ref in (run["name"], run["id"]):
            assert yard.get(job_ref, run_ref)["id"] == run["id"]
        assert yard.ids(job_ref) == [run["id"]]


def test_trigger_by_deployment_id_runs_that_version_and_keeps_params_and_command(yard: Yard) -> None:
    job = yard.job("deploy", ["echo", "one"], allow_command_override=True)
    job_id = yard.job_id(job)
    yard.job("deploy", ["echo", "two"], allow_command_override=True)
    response = yard.trigger_raw({"deploymentId": f"{job_id}:1", "input": {"params": {"day": "2024-04-01"}, "command": "echo hi | wc -c"}})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"] and body["jobRunName"] == body["data"]["name"] == f"{job}-1"
    run = body["data"]
    assert run["deploymentVersion"] == "1" and run["deploymentId"] == f"{job_id}:1"
    assert run["command"] == shlex.join(["/bin/sh", "-c", "echo hi | wc -c"])
    row = yard.row(run["id"])
    assert row.input == {"day": "2024-04-01"}
    assert row.job_version == 1
    latest = yard.trigger(job, input={"command": ["echo", "x y"]})
    assert latest["deploymentVersion"] == "2" and latest["command"] == "echo 'x y'"
    assert yard.trigger(job)["command"] == "echo two"


def test_a_command_override_of_a_job_that_does_not_allow_it_is_403_and_stores_nothing(yard: Yard) -> None:
    job = yard.job("locked", ["echo", "one"])
    body = assert_http_error(yard.trigger_raw({"applicationId": job, "input": {"command": "cat /etc/passwd"}}), 403)
    assert body["message"] == f"Job {job!r} does not allow its command to be overridden (allow_command_override)"
    assert yard.ids(job) == []
    assert yard.trigger(job)["command"] == "echo one"  # without an override the job runs as defined


def test_the_job_definition_says_whether_a_run_may_override_its_command(yard: Yard) -> None:
    job = yard.job("flags", ["echo", "one"])
    defined = yard.client.get(f"{NATIVE_JOBS}/{job}").json()
    assert defined["allow_command_override"] is False and defined["env_from"] == []
    yard.job("flags", ["echo", "one"], allow_command_override=True)
    assert yard.client.get(f"{NATIVE_JOBS}/{job}").json()["allow_command_override"] is True


def test_trigger_without_a_job_is_422(sqlite_yard: Yard) -> None:
    body = assert_http_error(sqlite_yard.trigger_raw({"input": {"params": {}}}), 422)
    assert body["code"] == "VALIDATION_ERROR"


# ---------------------------------------------------------------- terminate and delete


def test_terminate_a_queued_run_terminates_it(yard: Yard) -> None:
    job = yard.job("stopq")
    run = yard.trigger(job)
    params = {"deploymentId": run["deploymentId"], "jobRunName": run["name"]}
    response = yard.client.post(f"{API}/terminate", params=params, headers=yard.auth())
    assert response.status_code == 200, response.text
    assert response.json()["jobRunStatus"] == "TERMINATED"
    assert yard.get(job, run["name"])["status"] == "TERMINATED"
    again = yard.client.post(f"{API}/terminate", params=params, headers=yard.auth())
    assert again.status_code == 200 and again.json()["jobRunStatus"] == "TERMINATED"


def test_terminate_a_running_run_requests_termination(yard: Yard) -> None:
    job = yard.job("stopr")
    run = yard.trigger(job)
    yard.put_in_state(run["id"], "running")
    response = yard.client.post(f"{API}/terminate", params={"deploymentId": job, "jobRunName": run["id"]}, headers=yard.auth())
    assert response.status_code == 200, response.text
    assert response.json() == {"message": "Termination requested", "jobRunStatus": "TERMINATION_REQUESTED"}
    assert yard.row(run["id"]).state == "cancelling"
    assert_http_error(yard.client.delete(f"{API}/{job}/runs/{run['name']}", headers=yard.auth()), 409)


def test_terminate_a_finished_run_leaves_it(yard: Yard) -> None:
    job = yard.job("stopf")
    run = yard.trigger(job)
    yard.put_in_state(run["id"], "succeeded")
    response = yard.client.post(f"{API}/terminate", params={"deploymentId": run["deploymentId"], "jobRunName": run["name"]}, headers=yard.auth())
    assert response.status_code == 200 and response.json()["jobRunStatus"] == "FINISHED"
    assert yard.row(run["id"]).state == "succeeded"


def test_delete_a_run(yard: Yard) -> None:
    job = yard.job("delete")
    run = yard.trigger(job)
    other = yard.trigger(job)
    response = yard.client.delete(f"{API}/{job}/runs/{run['name']}", headers=yard.auth())
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["message"], str)
    assert_http_error(yard.get_raw(job, run["name"]), 404)
    assert yard.ids(job) == [other["id"]]
    assert_http_error(yard.client.delete(f"{API}/{job}/runs/{run['name']}", headers=yard.auth()), 404)


# ---------------------------------------------------------------- who sees what


def test_a_key_sees_only_its_environments_runs(yard: Yard) -> None:
    job = yard.job("scoped")
    dev = yard.trigger(job, "dev")
    prod = yard.trigger(job, "prod")
    assert yard.ids(job, key="dev") == [dev["id"]]
    assert yard.ids(job, key="dev2") == [dev["id"]]
    assert yard.ids(job, key="prod") == [prod["id"]]
    assert yard.list(job, key="prod")["pagination"]["total"] == 1
    for ref in (dev["name"], dev["id"]):
        assert_http_error(yard.get_raw(job, ref, key="prod"), 404)
    assert_http_error(yard.client.delete(f"{API}/{job}/runs/{dev['name']}", headers=yard.auth("prod")), 404)
    terminate = yard.client.post(f"{API}/terminate", params={"deploymentId": job, "jobRunName": dev["name"]}, headers=yard.auth("prod"))
    assert_http_error(terminate, 404)
    assert yard.get(job, dev["name"])["status"] == "CREATED"


def _operations(job: str, run: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        ("GET", f"{API}/{job}/runs", {}),
        ("GET", f"{API}/{job}/runs/{run}", {}),
        ("DELETE", f"{API}/{job}/runs/{run}", {}),
        ("POST", f"{API}/trigger", {"json": {"applicationId": job}}),
        ("POST", f"{API}/terminate", {"params": {"deploymentId": job, "jobRunName": run}}),
    ]


def test_a_job_restricted_to_other_environments_is_403(yard: Yard) -> None:
    job = yard.job("restricted", environments=[yard.env_name("prod")])
    run = yard.trigger(job, "prod")
    for method, path, kwargs in _operations(job, run["name"]):
        body = assert_http_error(yard.client.request(method, path, headers=yard.auth("dev"), **kwargs), 403)
        assert job in body["message"] and yard.env_name("dev") in body["message"], body
    assert yard.ids(job, key="prod") == [run["id"]]
    # The job's id is as forbidden as its name.
    assert_http_error(yard.list_raw(yard.job_id(job), key="dev"), 403)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer tr_dev_not-a-key"}, {"Authorization": "Basic abc"}], ids=["none", "unknown", "basic"])
def test_without_a_valid_key_every_operation_is_401(sqlite_yard: Yard, headers: dict[str, str]) -> None:
    job = sqlite_yard.job("auth")
    run = sqlite_yard.trigger(job)
    for method, path, kwargs in _operations(job, run["name"]):
        body = assert_http_error(sqlite_yard.client.request(method, path, headers=headers, **kwargs), 401)
        assert body == {"statusCode": 401, "message": "Missing or invalid API key"}
    assert sqlite_yard.get(job, run["name"])["status"] == "CREATED"


def test_unknown_job_and_unknown_run_are_404(sqlite_yard: Yard) -> None:
    job = sqlite_yard.job("known")
    run = sqlite_yard.trigger(job)
    missing_job = f"nojob-{sqlite_yard.n}"
    for method, path, kwargs in _operations(missing_job, run["name"]):
        body = assert_http_error(sqlite_yard.client.request(method, path, headers=sqlite_yard.auth(), **kwargs), 404)
        assert body["message"] == f"Job not found: {missing_job}"
    for method, path, kwargs in _operations(job, f"{job}-99")[1:3] + _operations(job, f"{job}-99")[4:]:
        body = assert_http_error(sqlite_yard.client.request(method, path, headers=sqlite_yard.auth(), **kwargs), 404)
        assert body["message"] == f"Job run not found: {job}-99"
    # A run of another job is not a run of this one.
    other = sqlite_yard.job("other")
    assert_http_error(sqlite_yard.get_raw(other, run["name"]), 404)
    assert_http_error(sqlite_yard.get_raw(other, run["id"]), 404)
    # A path under /api/svc that names no operation.
    assert_http_error(sqlite_yard.client.get("/api/svc/v1/nothing", headers=sqlite_yard.auth()), 404)
