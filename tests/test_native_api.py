"""The native (PraisonAI-compatible) HTTP API, field by field, error by error, page edge by page edge.

openapi/runyard.yaml is the specification (its list and status operations describe
PraisonAI's pages field by field). Most tests go through the `client`
fixture (the app in-process over a real SQLite file); the last ones talk to a
real `runyard serve` over TCP. No worker runs here, so a test that needs a run
in another state sets its row directly, as a worker would.

The module builds the app (and the server) once: before each test their SQLite
file is put back as the app left it at start (`sqlite_url` below), so every
test meets an empty store with the demo job, as if the app were new.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from runyard.web.app import create_app
from tests.support.databases import SqliteSnapshot, sqlite_database
from tests.support.servers import LiveServer, start_server, stop_server

RUNS = "/api/v1/runs"
NATIVE_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")

# The internal states each native status shows (runyard.domain.RunState).
SHOWN_AS = {
    "queued": {"delayed", "queued", "retrying"},
    "running": {"running", "cancelling"},
    "succeeded": {"succeeded"},
    "failed": {"failed", "timed_out", "crashed", "system_failure"},
    "cancelled": {"cancelled", "expired"},
}


# ---------------------------------------------------------------- the app, once per module


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[tuple[str, TestClient, SqliteSnapshot]]:
    """The app in-process over a real SQLite file, and that file as the app left it at start."""
    path = tmp_path_factory.mktemp("native") / "runyard.db"
    url = sqlite_database(sqlite_template_path, path)
    with TestClient(create_app(url)) as test_client:
        yield url, test_client, SqliteSnapshot(path)


@pytest.fixture
def sqlite_url(shared_app: tuple[str, TestClient, SqliteSnapshot]) -> str:
    """The shared app's database, fresh again (`live_server` serves it too)."""
    url, _, fresh = shared_app
    fresh.restore()
    return url


@pytest.fixture
def client(shared_app: tuple[str, TestClient, SqliteSnapshot], sqlite_url: str) -> TestClient:
    return shared_app[1]


@pytest.fixture(scope="module")
def shared_server(shared_app: tuple[str, TestClient, SqliteSnapshot], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `runyard serve` (no worker) over the shared database, started once."""
    server = start_server(shared_app[0], tmp_path_factory.mktemp("native_server") / "server.log", "--workers", "0")
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture
def live_server(shared_server: LiveServer, sqlite_url: str) -> LiveServer:
    """The shared server, its database fresh again."""
    return shared_server


# ---------------------------------------------------------------- helpers


def submit(client, body: dict[str, Any] | None = None, **headers: str) -> httpx.Response:
    return client.post(RUNS, json=body if body is not None else {"job": "demo"}, headers=headers)


def submit_id(client, **body: Any) -> str:
    response = submit(client, {"job": "demo", **body})
    assert response.status_code == 202, response.text
    return response.json()["job_id"]


def set_row(sqlite_url: str, run_id: str, **columns: Any) -> None:
    """Change a run's row in the server's SQLite file, as a worker would."""
    path = sqlite_url.removeprefix("sqlite:///")
    assignments = ", ".join(f"{name} = ?" for name in columns)
    with sqlite3.connect(path) as conn:
        changed = conn.execute(f"UPDATE runs SET {assignments} WHERE id = ?", (*columns.values(), run_id)).rowcount
    assert changed == 1


def parse_timestamp(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, f"{text!r} has no time zone"
    return parsed


def detail_of(response: httpx.Response) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    return detail


# ---------------------------------------------------------------- list: shape


def test_list_of_an_empty_store_has_the_seed_shape_and_default_paging(client) -> None:
    response = client.get(RUNS)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"jobs": [], "total": 0, "page": 1, "page_size": 20, "next_cursor": None}


def test_list_items_have_the_seed_fields_the_progress_praisonais_client_shows_and_runyards_extensions(client) -> None:
    with_session = submit_id(client, session_id="project-alpha", tags=["reports"])
    without_session = submit_id(client)

    jobs = client.get(RUNS).json()["jobs"]

    # The seed's four fields, the progress PraisonAI's server sends too (its list items are status answers),
    # and runyard's extensions for a dashboard's table.
    seed = {"job_id", "status", "created_at", "session_id", "progress"}
    assert [set(job) for job in jobs] == [seed | {"job", "environment", "tags", "duration_seconds", "attempt"}] * 2
    assert [(job["job"], job["tags"], job["duration_seconds"], job["attempt"]) for job in jobs] == [("demo", [], None, 0), ("demo", ["reports"], None, 0)]
    # The environment's name is shown as tests/test_native_dashboard_api.py checks: here every test puts
    # the database back as the app found it, `default` included, while the app still holds its id.
    assert all(isinstance(job["environment"], str) for job in jobs)
    assert [job["progress"] for job in jobs] == [{"percentage": 0, "current_step": None}] * 2
    assert [(job["job_id"], job["status"], job["session_id"]) for job in jobs] == [
        (without_session, "queued", None),
        (with_session, "queued", "project-alpha"),
    ]


def test_list_created_at_is_iso_8601_with_a_time_zone_and_matches_submit(client) -> None:
    before = datetime.now(timezone.utc)
    submitted = submit(client).json()

    (job,) = client.get(RUNS).json()["jobs"]

    created = parse_timestamp(job["created_at"])
    assert created.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= created <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert job["created_at"] == submitted["created_at"]


def test_list_is_newest_first(client) -> None:
    made = [submit_id(client) for _ in range(4)]

    assert [job["job_id"] for job in client.get(RUNS).json()["jobs"]] == made[::-1]


# ---------------------------------------------------------------- list: filters


@pytest.mark.parametrize("status", NATIVE_STATUSES)
def test_status_filter_selects_every_internal_state_shown_under_it(client, sqlite_url: str, status: str) -> None:
    state_of = {}
    for states in SHOWN_AS.values():
        for state in states:
            run_id = submit_id(client)
            set_row(sqlite_url, run_id, state=state)
            state_of[run_id] = state

    body = client.get(RUNS, params={"status": status}).json()

    expected = {run_id for run_id, state in state_of.items() if state in SHOWN_AS[status]}
    assert {job["job_id"] for job in body["jobs"]} == expected
    assert {job["status"] for job in body["jobs"]} == {status}
    assert body["total"] == len(expected)


def test_queued_filter_includes_delayed_runs(client) -> None:
    delayed = submit_id(client, delay=3600)
    ready = submit_id(client)

    body = client.get(RUNS, params={"status": "queued"}).json()

    assert [(job["job_id"], job["status"]) for job in body["jobs"]] == [(ready, "queued"), (delayed, "queued")]


def test_invalid_status_is_400_naming_every_valid_value(client) -> None:
    response = client.get(RUNS, params={"status": "done"})

    assert response.status_code == 400
    detail = detail_of(response)
    assert "done" in detail
    for status in NATIVE_STATUSES:
        assert status in detail


def test_session_filter_lists_only_that_sessions_runs(client) -> None:
    alpha = [submit_id(client, session_id="project-alpha") for _ in range(3)]
    submit_id(client, session_id="project-beta")
    submit_id(client)

    body = client.get(RUNS, params={"session_id": "project-alpha"}).json()

    assert [job["job_id"] for job in body["jobs"]] == alpha[::-1]
    assert {job["session_id"] for job in body["jobs"]} == {"project-alpha"}
    assert body["total"] == 3


def test_status_and_session_filters_combine(client) -> None:
    wanted = submit_id(client, session_id="project-alpha")
    other_session = submit_id(client, session_id="project-beta")
    other_status = submit_id(client, session_id="project-alpha")
    client.post(f"{RUNS}/{other_status}/cancel")

    body = client.get(RUNS, params={"status": "queued", "session_id": "project-alpha"}).json()

    assert [job["job_id"] for job in body["jobs"]] == [wanted]
    assert other_session not in {job["job_id"] for job in body["jobs"]}
    assert body["total"] == 1


def test_unknown_query_parameter_is_400(client) -> None:
    response = client.get(RUNS, params={"state": "queued"})

    assert response.status_code == 400
    assert "state" in detail_of(response)


# ---------------------------------------------------------------- list: pages


@pytest.mark.parametrize(
    ("query", "parameter", "says"),
    [
        ("page=0", "page", "minimum"),
        ("page=-1", "page", "minimum"),
        ("page=abc", "page", "integer"),
        ("page_size=0", "page_size", "minimum"),
        ("page_size=101", "page_size", "maximum"),
        ("page_size=abc", "page_size", "integer"),
    ],
)
def test_invalid_paging_is_400_naming_the_parameter(client, query: str, parameter: str, says: str) -> None:
    response = client.get(f"{RUNS}?{query}")

    assert response.status_code == 400
    detail = detail_of(response)
    assert re.search(rf"\b{parameter}\b", detail), detail
    assert says in detail


def test_page_size_100_is_the_largest_accepted(client) -> None:
    made = {submit_id(client) for _ in range(3)}

    response = client.get(RUNS, params={"page_size": 100})

    assert response.status_code == 200
    body = response.json()
    assert (body["page"], body["page_size"], body["total"]) == (1, 100, 3)
    assert {job["job_id"] for job in body["jobs"]} == made


def test_page_past_the_end_is_empty_with_the_true_total(client) -> None:
    for _ in range(3):
        submit_id(client)

    response = client.get(RUNS, params={"page": 2, "page_size": 10})

    assert response.status_code == 200
    assert response.json() == {"jobs": [], "total": 3, "page": 2, "page_size": 10, "next_cursor": None}


def test_pages_do_not_overlap_and_cover_every_run_newest_first(client) -> None:
    made = [submit_id(client) for _ in range(25)]

    pages = [client.get(RUNS, params={"page": n, "page_size": 10}).json() for n in (1, 2, 3)]

    assert [len(page["jobs"]) for page in pages] == [10, 10, 5]
    assert [job["job_id"] for page in pages for job in page["jobs"]] == made[::-1]
    assert [(page["page"], page["page_size"], page["total"]) for page in pages] == [(1, 10, 25), (2, 10, 25), (3, 10, 25)]


# ---------------------------------------------------------------- status


def test_status_of_a_queued_run_has_zero_progress_and_asks_to_poll_in_2_seconds(client) -> None:
    run_id = submit_id(client)

    response = client.get(f"{RUNS}/{run_id}")

    assert response.status_code == 200
    assert response.headers["retry-after"] == "2"
    body = response.json()
    assert set(body) == {"job_id", "status", "progress", "created_at", "retry_after", "session_id"}
    assert (body["job_id"], body["status"], body["retry_after"], body["session_id"]) == (run_id, "queued", 2, None)
    assert body["progress"] == {"percentage": 0, "current_step": None}
    parse_timestamp(body["created_at"])


def test_status_of_a_delayed_run_is_shown_queued(client) -> None:
    run_id = submit_id(client, delay=3600)

    body = client.get(f"{RUNS}/{run_id}").json()

    assert (body["status"], body["retry_after"]) == ("queued", 2)


def test_status_of_a_running_run_shows_progress_started_at_and_asks_to_poll_in_5_seconds(client, sqlite_url: str) -> None:
    run_id = submit_id(client)
    set_row(sqlite_url, run_id, state="running", started_at=1_735_689_601_000_000, progress_percentage=50.0, progress_step="Processing data")

    response = client.get(f"{RUNS}/{run_id}")

    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["status"] == "running"
    assert body["progress"] == {"percentage": 50.0, "current_step": "Processing data"}
    assert body["started_at"] == "2025-01-01T00:00:01Z"
    assert body["retry_after"] == 5
    assert "completed_at" not in body and "error" not in body


def test_status_of_a_cancelled_run_has_completed_at_and_no_poll_hint(client) -> None:
    run_id = submit_id(client)
    client.post(f"{RUNS}/{run_id}/cancel")

    response = client.get(f"{RUNS}/{run_id}")

    assert response.status_code == 200
    assert "retry-after" not in response.headers
    body = response.json()
    assert body["status"] == "cancelled"
    assert parse_timestamp(body["completed_at"]) >= parse_timestamp(body["created_at"])
    assert "retry_after" not in body
    assert body["progress"] == {"percentage": 0, "current_step": None}
    assert isinstance(body["error"], str) and body["error"]


def test_status_of_a_failed_run_has_its_error(client, sqlite_url: str) -> None:
    run_id = submit_id(client)
    set_row(sqlite_url, run_id, state="timed_out", started_at=1_735_689_601_000_000, completed_at=1_735_693_201_000_000, error="Agent execution timeout")

    body = client.get(f"{RUNS}/{run_id}").json()

    assert (body["status"], body["error"], body["completed_at"]) == ("failed", "Agent execution timeout", "2025-01-01T01:00:01Z")
    assert "retry_after" not in body


def test_status_of_an_unknown_run_is_404_job_not_found(client) -> None:
    response = client.get(f"{RUNS}/run_abc123")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Job not found: run_abc123"}


# ---------------------------------------------------------------- submit


def test_submit_is_202_with_location_retry_after_and_urls(client) -> None:
    response = submit(client, {"job": "demo", "input": {"topic": "quarterly report"}, "session_id": "project-alpha", "tags": ["reports", "q3"]})

    assert response.status_code == 202
    body = response.json()
    run_id = body["job_id"]
    assert re.fullmatch(r"run_[0-9a-z]{26}", run_id)
    # Absolute, from the request's base URL, as PraisonAI's server answers: httpx.get(poll_url) works as it is.
    assert response.headers["location"] == f"http://testserver/api/v1/runs/{run_id}"
    assert response.headers["retry-after"] == "2"
    assert body == {
        "job_id": run_id,
        "status": "queued",
        "created_at": body["created_at"],
        "poll_url": f"http://testserver/api/v1/runs/{run_id}",
        "stream_url": f"http://testserver/api/v1/runs/{run_id}/stream",
    }
    parse_timestamp(body["created_at"])
    assert client.get(body["poll_url"]).json()["job_id"] == run_id


def test_submit_again_with_the_same_idempotency_key_header_is_200_with_the_first_run(client) -> None:
    first = submit(client, {"job": "demo"}, **{"Idempotency-Key": "order-42"})
    again = submit(client, {"job": "demo", "session_id": "other"}, **{"Idempotency-Key": "order-42"})

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert again.headers["location"] == first.headers["location"]
    assert client.get(RUNS).json()["total"] == 1


def test_submit_again_with_the_same_body_idempotency_key_is_200_with_the_first_run(client) -> None:
    first = submit(client, {"job": "demo", "idempotency_key": "order-43"})
    again = submit(client, {"job": "demo", "idempotency_key": "order-43"})

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert client.get(RUNS).json()["total"] == 1


def test_idempotency_key_header_wins_over_the_body_key(client) -> None:
    by_body = submit(client, {"job": "demo", "idempotency_key": "body-key"})
    by_header = submit(client, {"job": "demo", "idempotency_key": "body-key"}, **{"Idempotency-Key": "header-key"})
    header_again = submit(client, {"job": "demo", "idempotency_key": "another-body-key"}, **{"Idempotency-Key": "header-key"})

    assert (by_body.status_code, by_header.status_code, header_again.status_code) == (202, 202, 200)
    assert by_header.json()["job_id"] != by_body.json()["job_id"]
    assert header_again.json()["job_id"] == by_header.json()["job_id"]
    assert client.get(RUNS).json()["total"] == 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"job": "demo", "priority": 1}, "priority"),
        ({"job": "demo", "tags": [f"t{i}" for i in range(11)]}, "tags"),
        ({"input": {}}, "job"),
        ({"job": "not a valid name!"}, "job"),
    ],
    ids=["extra-property", "eleven-tags", "missing-job", "bad-job-name"],
)
def test_invalid_submit_body_is_400_and_stores_nothing(client, body: dict[str, Any], says: str) -> None:
    response = submit(client, body)

    assert response.status_code == 400
    assert says in detail_of(response)
    assert client.get(RUNS).json()["total"] == 0


def test_submit_of_an_undefined_job_is_404_and_stores_nothing(client) -> None:
    response = submit(client, {"job": "report"})

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Unknown job 'report'; define it in a jobs file or with PUT /api/v1/jobs/report"}
    assert client.get(RUNS).json()["total"] == 0


def test_submit_with_a_body_that_is_not_json_is_400_and_stores_nothing(client) -> None:
    response = client.post(RUNS, content=b"job=demo", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    detail_of(response)
    assert client.get(RUNS).json()["total"] == 0


# ---------------------------------------------------------------- result


def test_result_of_a_queued_run_is_409(client) -> None:
    run_id = submit_id(client)

    response = client.get(f"{RUNS}/{run_id}/result")

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert run_id in detail_of(response)


def test_result_of_a_cancelled_run_is_200_with_its_error(client) -> None:
    run_id = submit_id(client)
    client.post(f"{RUNS}/{run_id}/cancel")

    response = client.get(f"{RUNS}/{run_id}/result")

    assert response.status_code == 200
    body = response.json()
    assert (body["job_id"], body["status"], body["result"]) == (run_id, "cancelled", None)
    assert isinstance(body["error"], str) and body["error"]
    assert body["duration_seconds"] is None  # it never started
    parse_timestamp(body["completed_at"])


def test_result_of_an_unknown_run_is_404_job_not_found(client) -> None:
    response = client.get(f"{RUNS}/run_abc123/result")

    assert (response.status_code, response.json()) == (404, {"detail": "Job not found: run_abc123"})


# ---------------------------------------------------------------- cancel


def test_cancel_of_a_queued_run_is_200_cancelled(client) -> None:
    run_id = submit_id(client)

    response = client.post(f"{RUNS}/{run_id}/cancel")

    assert response.status_code == 200
    body = response.json()
    assert (body["job_id"], body["status"]) == (run_id, "cancelled")
    parse_timestamp(body["completed_at"])
    assert "retry_after" not in body


def test_cancel_of_a_running_run_shows_it_running_until_it_stops(client, sqlite_url: str) -> None:
    run_id = submit_id(client)
    set_row(sqlite_url, run_id, state="running", started_at=1_735_689_601_000_000)

    response = client.post(f"{RUNS}/{run_id}/cancel")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["retry_after"]) == ("running", 5)
    assert "completed_at" not in response.json()


def test_cancel_twice_is_409_the_second_time(client) -> None:
    run_id = submit_id(client)
    client.post(f"{RUNS}/{run_id}/cancel")

    response = client.post(f"{RUNS}/{run_id}/cancel")

    assert response.status_code == 409
    assert response.json() == {"detail": f"Job {run_id} has already finished (cancelled)"}


def test_cancel_of_an_unknown_run_is_404_job_not_found(client) -> None:
    response = client.post(f"{RUNS}/run_abc123/cancel")

    assert (response.status_code, response.json()) == (404, {"detail": "Job not found: run_abc123"})


# ---------------------------------------------------------------- delete


def test_delete_of_a_queued_run_is_204_and_the_run_is_gone(client) -> None:
    run_id = submit_id(client)

    response = client.delete(f"{RUNS}/{run_id}")

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{RUNS}/{run_id}").status_code == 404
    assert client.get(RUNS).json()["total"] == 0


def test_delete_of_a_running_run_is_409_and_keeps_it(client, sqlite_url: str) -> None:
    run_id = submit_id(client)
    set_row(sqlite_url, run_id, state="running")

    response = client.delete(f"{RUNS}/{run_id}")

    assert response.status_code == 409
    assert run_id in detail_of(response)
    assert client.get(f"{RUNS}/{run_id}").json()["status"] == "running"


def test_delete_of_an_unknown_run_is_404_job_not_found(client) -> None:
    response = client.delete(f"{RUNS}/run_abc123")

    assert (response.status_code, response.json()) == (404, {"detail": "Job not found: run_abc123"})


# ---------------------------------------------------------------- health, routing


def test_health_is_ok_on_sqlite(client) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "sqlite")
    assert isinstance(body["version"], str) and body["version"]


def test_an_undocumented_method_is_405_with_allow_listing_the_documented_ones(client) -> None:
    response = client.patch(RUNS, json={})

    assert response.status_code == 405
    assert {method.strip() for method in response.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}


def test_an_unknown_path_is_404_problem_json(client) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["title"]) == (404, "Not Found")


# ---------------------------------------------------------------- a real server over TCP


def test_end_to_end_submit_list_status_cancel_over_tcp(live_server) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        submitted = http.post(RUNS, json={"job": "demo", "session_id": "project-alpha"})
        assert submitted.status_code == 202
        run_id = submitted.json()["job_id"]
        assert submitted.headers["location"] == f"{live_server.url}/api/v1/runs/{run_id}"

        listed = http.get(RUNS).json()
        assert listed["total"] == 1
        assert isinstance(listed["jobs"][0].pop("environment"), str)  # see test_list_items_have_the_seed_fields...
        assert listed["jobs"] == [
            {
                "job_id": run_id,
                "status": "queued",
                "created_at": submitted.json()["created_at"],
                "session_id": "project-alpha",
                "progress": {"percentage": 0.0, "current_step": None},
                "job": "demo",
                "tags": [],
                "duration_seconds": None,
                "attempt": 0,
            }
        ]

        status = http.get(submitted.headers["location"])
        assert (status.status_code, status.json()["status"], status.headers["retry-after"]) == (200, "queued", "2")

        cancelled = http.post(f"{RUNS}/{run_id}/cancel")
        assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
        assert http.get(f"{RUNS}/{run_id}").json()["status"] == "cancelled"
        assert http.get(RUNS, params={"status": "cancelled"}).json()["total"] == 1


def test_the_seeds_curl_examples_over_tcp(live_server, sqlite_url: str) -> None:
    """The requests of the seeds' cURL examples, byte for byte, against a real server."""
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        alpha = [http.post(RUNS, json={"job": "demo", "session_id": "project-alpha"}).json()["job_id"] for _ in range(12)]
        other = http.post(RUNS, json={"job": "demo"}).json()["job_id"]
        set_row(sqlite_url, alpha[0], state="running", started_at=1_735_689_601_000_000)

        everything = http.get("/api/v1/runs")
        assert everything.status_code == 200
        assert (everything.json()["total"], everything.json()["page"], everything.json()["page_size"]) == (13, 1, 20)
        assert everything.json()["jobs"][0]["job_id"] == other

        running = http.get("/api/v1/runs?status=running")
        assert running.status_code == 200
        assert [(job["job_id"], job["status"]) for job in running.json()["jobs"]] == [(alpha[0], "running")]

        session = http.get("/api/v1/runs?session_id=project-alpha&page=1&page_size=10")
        assert session.status_code == 200
        body = session.json()
        assert (body["total"], body["page"], body["page_size"]) == (12, 1, 10)
        assert [job["job_id"] for job in body["jobs"]] == alpha[::-1][:10]

        missing = http.get("/api/v1/runs/run_abc123")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Job not found: run_abc123"})
