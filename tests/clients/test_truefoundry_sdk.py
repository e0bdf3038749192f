"""The real TrueFoundry Python SDK (truefoundry-sdk 0.6.0, a pinned dev dependency) against a live runyard.

`TrueFoundry(base_url="http://127.0.0.1:PORT", api_key=<runyard secret key>)`
appends /api/svc/v1/... itself. What the SDK does (read from 0.6.0, checked
against a stub in the research notes):
  jobs.list_runs -> GET /api/svc/v1/jobs/{jobId}/runs, arrays as repeated keys;
                    returns a SyncPager whose first page is fetched at the call;
                    iterating it asks offset += len(data) until an empty page.
  jobs.get_run / delete_run / trigger / terminate -> the documented operations.
  403 -> ForbiddenError, 404 -> NotFoundError, 409 -> ConflictError,
  422 -> UnprocessableEntityError (list, trigger, terminate), anything else
  (401 here) -> plain ApiError. It retries 5xx/408/409/429 twice with backoff,
  so where such an error is expected the call passes max_retries 0.

One server without a worker (`--workers 0`: runs stay where the test puts
them, rows changed directly as a worker would) serves most tests; one with a
worker (`--workers 1`) runs real commands for terminate-while-running and for
what a trigger hands the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from truefoundry_sdk import JobRun, JobRunStatus, TrueFoundry
from truefoundry_sdk.core.api_error import ApiError
from truefoundry_sdk.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableEntityError,
)
from truefoundry_sdk.version import __version__ as SDK_VERSION

from runyard.store.db import normalise_url
from runyard.store.keys import ApiKey
from runyard.timeutil import now_us
from tests.support.databases import sqlite_database
from tests.support.keys import create_keys
from tests.support.servers import LiveServer, start_server, stop_server
from tests.support.truefoundry import SORT_COLUMN
from tests.support.waiting import wait_for
from tests.support.yard import Rows

pytestmark = pytest.mark.slow  # the real TrueFoundry SDK against live servers

NO_RETRIES = {"max_retries": 0}


def test_the_pinned_sdk_version() -> None:
    assert SDK_VERSION == "0.6.0"


@dataclass
class Yard(Rows):
    """A live runyard, its keys (`dev`, `dev2` in environment dev; `prod`; `default`) and its database."""

    server: LiveServer
    engine: sa.Engine
    keys: dict[str, tuple[ApiKey, str]]

    def client(self, key: str = "dev", httpx_client: httpx.Client | None = None) -> TrueFoundry:
        return TrueFoundry(base_url=self.server.url, api_key=self.keys[key][1], timeout=30, httpx_client=httpx_client)

    def key_id(self, key: str = "dev") -> str:
        return self.keys[key][0].id

    def job(self, name: str, command: list[str] | None = None, **spec: Any) -> str:
        """Define or redefine a job through the native API."""
        response = httpx.put(f"{self.server.url}/api/v1/jobs/{name}", json={"command": command or ["true"], **spec}, timeout=10)
        assert response.status_code in (200, 201), response.text
        return name


def _yard(tmp_path: Path, template: Path, *args: str) -> Iterator[Yard]:
    url = sqlite_database(template, tmp_path / "runyard.db")
    server = start_server(url, tmp_path / "server.log", *args)  # migrates the database (a no-op on a copy of the template)
    engine = sa.create_engine(normalise_url(url).sync)
    try:
        yield Yard(server, engine, create_keys(url, {"dev": "dev", "dev2": "dev", "prod": "prod", "default": "default"}))
    finally:
        engine.dispose()
        stop_server(server)


@pytest.fixture(scope="module")
def yard(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[Yard]:
    """A live server without a worker: triggered runs stay CREATED."""
    yield from _yard(tmp_path_factory.mktemp("tf-idle"), sqlite_template_path, "--workers", "0")


@pytest.fixture(scope="module")
def working_yard(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[Yard]:
    """A live server with one embedded worker slot: triggered runs execute."""
    yield from _yard(tmp_path_factory.mktemp("tf-work"), sqlite_template_path, "--workers", "1")


def wait_for_run(read: Callable[[], JobRun], done: Callable[[JobRun], bool], timeout: float = 15) -> JobRun:
    """Read the run until `done` holds for it; return it."""
    return wait_for(lambda: run if done(run := read()) else None, timeout, "the run", interval=0.1)


def names(runs: Any) -> list[str]:
    return [run.name for run in runs]


# ---------------------------------------------------------------- list_runs: filters


@pytest.fixture(scope="module")
def filtered(yard: Yard) -> dict[str, dict[str, Any]]:
    """Job `filters`: runs 1-6 of version 1 and 7-12 of version 2, by two keys, in assorted states."""
    tf = {"dev": yard.client("dev"), "dev2": yard.client("dev2")}
    job = yard.job("filters", ["echo", "one"])
    states = ["queued", "running", "failed", "crashed", "succeeded", "cancelled", "queued", "running", "failed", "succeeded", "delayed", "cancelling"]
    keys = ["dev", "dev", "dev", "dev2", "dev2", "dev", "dev2", "dev", "dev2", "dev", "dev2", "dev"]
    runs = {}
    for i, (state, key) in enumerate(zip(states, keys, strict=True)):
        if i == 6:
            yard.job("filters", ["echo", "two"])  # version 2
        run = tf[key].jobs.trigger(application_id=job).data
        if state != "queued":
            yard.set_row(run.id, state=state)
        runs[run.name] = {"id": run.id, "state": state, "key": key, "version": 1 if i < 6 else 2}
    assert list(runs) == [f"filters-{n}" for n in range(1, 13)]
    return runs


def _matching(runs: dict[str, dict[str, Any]], keep: Callable[[dict[str, Any]], bool]) -> set[str]:
    return {name for name, run in runs.items() if keep(run)}


def test_list_runs_filters_by_status(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    running = tf.jobs.list_runs("filters", status=["RUNNING"])
    assert set(names(running)) == _matching(filtered, lambda r: r["state"] == "running")
    assert all(isinstance(run, JobRun) and run.status is JobRunStatus.RUNNING for run in running)
    # Repeated values (status=RUNNING&status=FAILED): any of them; FAILED covers failed and crashed.
    either = tf.jobs.list_runs("filters", status=["RUNNING", "FAILED"])
    assert set(names(either)) == _matching(filtered, lambda r: r["state"] in {"running", "failed", "crashed"})
    assert either.response.pagination.total == 5
    assert set(names(tf.jobs.list_runs("filters", status="TERMINATED"))) == _matching(filtered, lambda r: r["state"] == "cancelled")
    assert set(names(tf.jobs.list_runs("filters", status=[JobRunStatus.SCHEDULED, JobRunStatus.TERMINATION_REQUESTED]))) == {"filters-11", "filters-12"}
    assert names(tf.jobs.list_runs("filters", status=["TERMINATING", "UNKNOWN"])) == []


def test_list_runs_filters_by_triggered_by(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    by_dev2 = tf.jobs.list_runs("filters", triggered_by=[yard.key_id("dev2")])
    assert set(names(by_dev2)) == _matching(filtered, lambda r: r["key"] == "dev2")
    assert {run.triggered_by for run in by_dev2} == {yard.key_id("dev2")}
    both = tf.jobs.list_runs("filters", triggered_by=[yard.key_id("dev"), yard.key_id("dev2")])
    assert len(names(both)) == 12
    assert names(tf.jobs.list_runs("filters", triggered_by=["key_nobody"])) == []


def test_list_runs_filters_by_version_numbers(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    v2 = tf.jobs.list_runs("filters", version_numbers=[2])
    assert set(names(v2)) == _matching(filtered, lambda r: r["version"] == 2)
    assert {run.deployment_version for run in v2} == {"2"}
    assert set(names(tf.jobs.list_runs("filters", version_numbers=[1.0]))) == _matching(filtered, lambda r: r["version"] == 1)
    assert len(names(tf.jobs.list_runs("filters", version_numbers=[1, 2.0]))) == 12
    assert names(tf.jobs.list_runs("filters", version_numbers=[1.5, 3])) == []


def test_list_runs_filters_by_search_prefix(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    assert sorted(names(tf.jobs.list_runs("filters", search_prefix="filters-1"))) == ["filters-1", "filters-10", "filters-11", "filters-12"]
    one = filtered["filters-7"]["id"]
    assert names(tf.jobs.list_runs("filters", search_prefix=one)) == ["filters-7"]
    assert names(tf.jobs.list_runs("filters", search_prefix="filters-1%")) == []


def test_list_runs_combines_filters(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    pager = tf.jobs.list_runs(
        "filters", status=["RUNNING", "FAILED", "CREATED"], triggered_by=[yard.key_id("dev2")], version_numbers=[2], search_prefix="filters-"
    )
    expected = _matching(filtered, lambda r: r["state"] in {"running", "failed", "crashed", "queued"} and r["key"] == "dev2" and r["version"] == 2)
    assert set(names(pager)) == expected == {"filters-7", "filters-9"}


def test_list_runs_of_a_job_by_its_id(yard: Yard, filtered: dict[str, dict[str, Any]]) -> None:
    tf = yard.client()
    job_id = tf.jobs.get_run("filters", "filters-1").data.application_id
    assert job_id and job_id.startswith("job_")
    assert names(tf.jobs.list_runs(job_id)) == names(tf.jobs.list_runs("filters"))


# ---------------------------------------------------------------- list_runs: sorting


@pytest.fixture(scope="module")
def sortable(yard: Yard) -> list[dict[str, Any]]:
    """Job `sorting`: ten runs over versions 1, 2, 9 and 10, with ties and NULLs in every sortable column."""
    tf = {"dev": yard.client("dev"), "dev2": yard.client("dev2")}
    for version in range(1, 11):
        yard.job("sorting", ["echo", f"v{version}"])
    base = now_us() - 3_600_000_000
    versions = [10, 2, 1, 2, 10, 1, 10, 2, 9, 1]
    started = [3, 1, None, 3, 2, None, 1, 3, None, 2]
    durations = [5000, None, 1000, 5000, 3000, None, 1000, 5000, 2000, None]
    keys = ["dev", "dev2", None, "dev", "dev2", "dev", None, "dev2", "dev", "dev"]
    # Only queued and succeeded: the order of internal state names and of shown statuses agree on them
    # (tests/test_truefoundry_api.py::test_sort_by_status_orders_by_the_shown_status).
    states = ["queued", "succeeded", "succeeded", "queued", "succeeded", "queued", "queued", "succeeded", "queued", "succeeded"]
    first = tf["dev"].jobs.trigger(application_id="sorting").data  # the latest version: 10
    job_id = first.application_id
    rows = []
    for i in range(10):
        if i == 0:
            run = first
        else:
            run = tf[keys[i] or "dev"].jobs.trigger(deployment_id=f"{job_id}:{versions[i]}").data
        assert run.deployment_version == str(versions[i])
        columns = {
            "started_at": base + started[i] * 1_000_000 if started[i] is not None else None,
            "duration_ms": durations[i],
            "triggered_by": yard.key_id(keys[i]) if keys[i] else None,
            "state": states[i],
        }
        yard.set_row(run.id, **columns)
        rows.append({"id": run.id, "name": run.name, "job_version": versions[i], **columns})
    return rows


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort_by", list(SORT_COLUMN))
def test_list_runs_sorts_by_every_attribute_in_both_orders(yard: Yard, sortable: list[dict[str, Any]], sort_by: str, order: str) -> None:
    """By the value, ties by id in the same direction; a run without the value sorts as the smallest."""
    column = SORT_COLUMN[sort_by]
    ordered = sorted(sortable, key=lambda r: (r[column] is not None, r[column] if r[column] is not None else 0, r["id"]), reverse=order == "desc")
    expected = [r["name"] for r in ordered]
    tf = yard.client()
    assert names(tf.jobs.list_runs("sorting", sort_by=sort_by, order=order)) == expected
    # The pager walks the same order three at a time.
    assert names(tf.jobs.list_runs("sorting", sort_by=sort_by, order=order, limit=3)) == expected


def test_list_runs_default_order_is_newest_first(yard: Yard, sortable: list[dict[str, Any]]) -> None:
    runs = list(yard.client().jobs.list_runs("sorting"))
    assert [run.id for run in runs] == sorted((r["id"] for r in sortable), reverse=True)
    assert [run.created_at for run in runs] == sorted((run.created_at for run in runs), reverse=True)


# ---------------------------------------------------------------- the pager


def test_the_pager_walks_250_runs_at_limit_20_seeing_each_once(yard: Yard) -> None:
    job = yard.job("many")
    tf = yard.client()
    with ThreadPoolExecutor(8) as pool:
        triggered = list(pool.map(lambda _: tf.jobs.trigger(application_id=job).job_run_name, range(250)))
    assert len(set(triggered)) == 250

    asked: list[dict[str, list[str]]] = []

    def record(request: httpx.Request) -> None:
        if request.url.path == f"/api/svc/v1/jobs/{job}/runs":
            asked.append(parse_qs(urlsplit(str(request.url)).query))

    with httpx.Client(timeout=30, event_hooks={"request": [record]}) as http:
        pager = yard.client(httpx_client=http).jobs.list_runs(job, limit=20)
        assert len(asked) == 1  # the first page is fetched at the call
        assert pager.response.pagination.total == 250
        runs = list(pager)
    walked = names(runs)
    assert len(walked) == 250
    assert set(walked) == set(triggered)
    # Newest first: by creation, ties by id (run numbers of concurrent triggers need not follow it).
    created = [(run.created_at, run.id) for run in runs]
    assert created == sorted(created, reverse=True)
    assert [q["offset"] for q in asked] == [[str(n)] for n in range(0, 260, 20)] + [["250"]]
    assert all(q["limit"] == ["20"] for q in asked)


# ---------------------------------------------------------------- get_run, trigger, terminate, delete_run


def test_get_run_by_name_and_by_id(yard: Yard) -> None:
    job = yard.job("fetch", ["python3", "-c", "print(1)"])
    tf = yard.client()
    before_ms = now_us() // 1000
    triggered = tf.jobs.trigger(application_id=job)
    assert triggered.job_run_name == triggered.data.name == f"{job}-1"
    by_name = tf.jobs.get_run(job, f"{job}-1").data
    by_id = tf.jobs.get_run(job, triggered.data.id).data
    assert by_name == by_id == triggered.data
    run = by_name
    assert isinstance(run, JobRun)
    assert run.id.startswith("run_") and run.application_name == job
    assert isinstance(run.created_at, float) and before_ms <= run.created_at <= now_us() // 1000
    assert run.deployment_version == "1"
    assert run.command == "python3 -c 'print(1)'"
    assert run.total_retries == 0
    assert run.status is JobRunStatus.CREATED
    assert run.triggered_by == yard.key_id("dev")
    assert run.triggered_by_subject is not None and run.triggered_by_subject.subject_id == yard.key_id("dev")
    assert run.end_time is None and run.duration is None and run.exit_code is None
    assert run.application_id and run.deployment_id == f"{run.application_id}:1"


def test_trigger_hands_params_as_input_and_takes_a_command_override(yard: Yard) -> None:
    job = yard.job("trig", ["echo", "one"], allow_command_override=True)
    tf = yard.client()
    first = tf.jobs.trigger(application_id=job, input={"params": {"day": "2024-04-01", "n": 3}})
    assert first.message and first.data.status is JobRunStatus.CREATED
    assert yard.row(first.data.id).input == {"day": "2024-04-01", "n": 3}
    assert first.data.command == "echo one"
    yard.job("trig", ["echo", "two"], allow_command_override=True)
    # By the job's id, with a command line for /bin/sh -c.
    override = tf.jobs.trigger(application_id=first.data.application_id, input={"command": "echo hi && exit 3"})
    assert override.data.command == "/bin/sh -c 'echo hi && exit 3'"
    assert override.data.deployment_version == "2"
    assert yard.row(override.data.id).command_override == ["/bin/sh", "-c", "echo hi && exit 3"]
    # By deploymentId: that version of the job.
    pinned = tf.jobs.trigger(deployment_id=first.data.deployment_id)
    assert pinned.data.deployment_version == "1" and pinned.data.command == "echo one"
    assert names(tf.jobs.list_runs(job)) == [f"{job}-3", f"{job}-2", f"{job}-1"]


def test_terminate_a_queued_run(yard: Yard) -> None:
    job = yard.job("stopq")
    tf = yard.client()
    run = tf.jobs.trigger(application_id=job).data
    answer = tf.jobs.terminate(deployment_id=run.deployment_id, job_run_name=run.name)
    assert answer.job_run_status is JobRunStatus.TERMINATED and answer.message
    assert tf.jobs.get_run(job, run.name).data.status is JobRunStatus.TERMINATED
    assert tf.jobs.terminate(deployment_id=run.deployment_id, job_run_name=run.name).job_run_status is JobRunStatus.TERMINATED


def test_delete_run(yard: Yard) -> None:
    job = yard.job("del")
    tf = yard.client()
    gone, kept = (tf.jobs.trigger(application_id=job).data for _ in range(2))
    assert tf.jobs.delete_run(job, gone.name).message
    with pytest.raises(NotFoundError) as raised:
        tf.jobs.get_run(job, gone.name)
    assert raised.value.status_code == 404
    assert names(tf.jobs.list_runs(job)) == [kept.name]
    with pytest.raises(NotFoundError):
        tf.jobs.delete_run(job, gone.name)


def test_terminate_a_running_run(working_yard: Yard) -> None:
    job = working_yard.job("sleeper", ["sleep", "30"], kill_grace_seconds=0.5)
    tf = working_yard.client()
    run = tf.jobs.trigger(application_id=job).data
    started = time.monotonic()
    running = wait_for_run(lambda: tf.jobs.get_run(job, run.name).data, lambda r: r.status is not JobRunStatus.CREATED)
    assert running.status is JobRunStatus.RUNNING
    with pytest.raises(ConflictError) as raised:
        tf.jobs.delete_run(job, run.name, request_options=NO_RETRIES)
    assert raised.value.status_code == 409
    answer = tf.jobs.terminate(deployment_id=run.deployment_id, job_run_name=run.name)
    assert answer.job_run_status is JobRunStatus.TERMINATION_REQUESTED
    assert answer.message == "Termination requested"
    done = wait_for_run(lambda: tf.jobs.get_run(job, run.name).data, lambda r: r.status is not JobRunStatus.TERMINATION_REQUESTED)
    assert done.status is JobRunStatus.TERMINATED
    assert done.end_time is not None and done.end_time >= done.created_at
    assert time.monotonic() - started < 20, "the sleep was not stopped"
    assert tf.jobs.delete_run(job, run.name).message


def test_a_triggered_run_executes_the_override_with_params_on_stdin(working_yard: Yard) -> None:
    job = working_yard.job("reader", ["python3", "-c", "import sys; sys.stdout.write(sys.stdin.read())"], allow_command_override=True)
    tf = working_yard.client()
    params = {"day": "2024-04-01", "n": 3}
    plain = tf.jobs.trigger(application_id=job, input={"params": params}).data
    override = tf.jobs.trigger(application_id=job, input={"command": "cat; exit 3", "params": params}).data
    finished = {JobRunStatus.FINISHED, JobRunStatus.FAILED, JobRunStatus.TERMINATED}
    for run, status, exit_code in ((plain, JobRunStatus.FINISHED, 0), (override, JobRunStatus.FAILED, 3)):
        done = wait_for_run(lambda run=run: tf.jobs.get_run(job, run.name).data, lambda r: r.status in finished)
        assert done.status is status and done.exit_code == exit_code
        assert isinstance(done.duration, int) and done.end_time is not None
        logs = httpx.get(f"{working_yard.server.url}/api/v1/runs/{run.id}/logs", timeout=10).json()
        assert json.loads(logs["stdout"]) == params


def test_a_default_key_lists_and_gets_a_run_submitted_natively_without_a_key(yard: Yard) -> None:
    job = yard.job("keyless")
    response = httpx.post(f"{yard.server.url}/api/v1/runs", json={"job": job}, timeout=10)  # no key: environment `default`
    assert response.status_code in (200, 202), response.text
    run_id = response.json()["job_id"]
    tf = yard.client("default")
    listed = list(tf.jobs.list_runs(job_id=job))
    assert [run.id for run in listed] == [run_id]
    got = tf.jobs.get_run(job, run_id).data
    assert got.id == run_id and got.application_name == job
    assert got == listed[0]


# ---------------------------------------------------------------- errors reach the SDK typed


def test_unknown_job_and_run_are_not_found_errors(yard: Yard) -> None:
    job = yard.job("known")
    tf = yard.client()
    run = tf.jobs.trigger(application_id=job).data
    calls = {
        "list_runs": lambda: tf.jobs.list_runs("no-such-job"),
        "get_run": lambda: tf.jobs.get_run("no-such-job", run.name),
        "delete_run": lambda: tf.jobs.delete_run("no-such-job", run.name),
        "trigger": lambda: tf.jobs.trigger(application_id="no-such-job"),
        "terminate": lambda: tf.jobs.terminate(deployment_id="no-such-job", job_run_name=run.name),
        "get unknown run": lambda: tf.jobs.get_run(job, f"{job}-99"),
        "delete unknown run": lambda: tf.jobs.delete_run(job, f"{job}-99"),
        "terminate unknown run": lambda: tf.jobs.terminate(deployment_id=run.deployment_id, job_run_name=f"{job}-99"),
    }
    for label, call in calls.items():
        with pytest.raises(NotFoundError) as raised:
            call()
        assert raised.value.status_code == 404, label
        body = raised.value.body
        assert body["statusCode"] == 404 and body["message"] in ("Job not found: no-such-job", f"Job run not found: {job}-99"), (label, body)


@pytest.mark.parametrize(("arguments", "parameter"), [({"limit": 1001}, "limit"), ({"offset": -1}, "offset"), ({"limit": 0}, "limit")])
def test_invalid_limit_or_offset_is_an_unprocessable_entity_error(yard: Yard, arguments: dict[str, int], parameter: str) -> None:
    with pytest.raises(UnprocessableEntityError) as raised:
        yard.client().jobs.list_runs(yard.job("bounds"), request_options=NO_RETRIES, **arguments)
    error = raised.value
    assert error.status_code == 422
    assert error.body.status_code == 422 and error.body.code == "VALIDATION_ERROR"
    assert [d["parameter"] for d in error.body.details] == [parameter]


def test_a_limit_of_1000_is_accepted(yard: Yard) -> None:
    job = yard.job("thousand")
    yard.client().jobs.trigger(application_id=job)
    pager = yard.client().jobs.list_runs(job, limit=1000)
    assert pager.response.pagination.total == 1 and pager.response.pagination.limit == 1000 and len(pager.items) == 1


def test_a_job_restricted_to_prod_is_forbidden_to_a_dev_key(yard: Yard) -> None:
    job = yard.job("prodonly", environments=["prod"])
    prod = yard.client("prod")
    run = prod.jobs.trigger(application_id=job).data
    assert names(prod.jobs.list_runs(job)) == [run.name]
    dev = yard.client("dev")
    calls = {
        "list_runs": lambda: dev.jobs.list_runs(job),
        "get_run": lambda: dev.jobs.get_run(job, run.name),
        "delete_run": lambda: dev.jobs.delete_run(job, run.name),
        "trigger": lambda: dev.jobs.trigger(application_id=job),
        "terminate": lambda: dev.jobs.terminate(deployment_id=run.deployment_id, job_run_name=run.name),
    }
    for label, call in calls.items():
        with pytest.raises(ForbiddenError) as raised:
            call()
        assert raised.value.status_code == 403, label
        assert raised.value.body.status_code == 403 and "prodonly" in raised.value.body.message, label
    assert prod.jobs.get_run(job, run.name).data.status is JobRunStatus.CREATED


def test_a_bad_key_is_an_api_error_401(yard: Yard) -> None:
    job = yard.job("authed")
    run = yard.client().jobs.trigger(application_id=job).data
    bad = TrueFoundry(base_url=yard.server.url, api_key="tr_dev_not-a-real-key", timeout=30)
    calls = {
        "list_runs": lambda: bad.jobs.list_runs(job),
        "get_run": lambda: bad.jobs.get_run(job, run.name),
        "delete_run": lambda: bad.jobs.delete_run(job, run.name),
        "trigger": lambda: bad.jobs.trigger(application_id=job),
        "terminate": lambda: bad.jobs.terminate(deployment_id=run.deployment_id, job_run_name=run.name),
    }
    for label, call in calls.items():
        with pytest.raises(ApiError) as raised:
            call()
        assert type(raised.value) is ApiError, label  # the SDK has no typed error for 401 here
        assert raised.value.status_code == 401, label
        assert raised.value.body == {"statusCode": 401, "message": "Missing or invalid API key"}, label
    assert yard.client().jobs.get_run(job, run.name).data.status is JobRunStatus.CREATED
