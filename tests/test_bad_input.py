"""Bad input is a 4xx in the dialect's shape, never a 500, and stores nothing: on both stores.

Each case here answered 500 (or was accepted) before: bodies nested past Python's stack, NaN and
Infinity (not JSON; SQLite stored them as invalid JSON), NUL characters (PostgreSQL refuses them in
text), and a literal `null` body where the contract asks for an object.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.web.app import create_app
from runyard.domain.values import MAX_JSON_DEPTH
from tests.support.databases import pg_database, sqlite_database
from tests.support.keys import create_keys

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One app per store for the module: every test checks that it stored nothing *more*."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = sqlite_database(request.getfixturevalue("sqlite_template_path"), tmp_path_factory.mktemp("bad-input") / "runyard.db")
        else:
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template_name")))
        secret = create_keys(url, {"dev": "dev"})["dev"][1]
        client = stack.enter_context(TestClient(create_app(url), raise_server_exceptions=False))
        yield client, {"Authorization": f"Bearer {secret}", **JSON}


@pytest.fixture
def runs_before(server: tuple[TestClient, dict[str, str]]) -> int:
    return _stored_runs(server[0])


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _stored_runs(client: TestClient) -> int:
    """Every run of every environment (an open server's keyless request is an admin)."""
    return int(client.get("/api/v1/runs").json()["total"])


def _native_problem(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def _trigger_error(response: Any) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "Invalid request body"


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_a_native_body_nested_too_deep_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, depth: int) -> None:
    client, _ = server
    response = client.post("/api/v1/runs", content='{"job": "demo", "input": {"x": ' + _nested(depth) + "}}", headers=JSON)
    _native_problem(response)
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000])
def test_a_trigger_payload_nested_too_deep_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, depth: int) -> None:
    client, auth = server
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", content='{"payload": ' + _nested(depth) + "}", headers=auth))
    assert _stored_runs(client) == runs_before


def test_a_truefoundry_body_nested_too_deep_is_422(server: tuple[TestClient, dict[str, str]], runs_before: int) -> None:
    client, auth = server
    response = client.post("/api/svc/v1/jobs/trigger", content='{"applicationId": "demo", "input": ' + _nested(1_000) + "}", headers=auth)
    assert response.status_code == 422, response.text
    assert response.json()["statusCode"] == 422
    assert _stored_runs(client) == runs_before


def test_a_payload_nested_as_deep_as_allowed_is_stored_and_read_back(server: tuple[TestClient, dict[str, str]]) -> None:
    client, auth = server
    deepest: Any = []
    for _ in range(MAX_JSON_DEPTH - 2):  # the body's object is the first level, the payload's list the second
        deepest = [deepest]
    triggered = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": deepest}, headers=auth)
    assert triggered.status_code == 200, triggered.text
    retrieved = client.get(f"/trigger/api/v3/runs/{triggered.json()['id']}", headers=auth)
    assert retrieved.status_code == 200, retrieved.text
    assert retrieved.json()["payload"] == deepest
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": [deepest]}, headers=auth))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_an_input_are_400(server: tuple[TestClient, dict[str, str]], runs_before: int, constant: str) -> None:
    client, auth = server
    _native_problem(client.post("/api/v1/runs", content='{"job": "demo", "input": {"x": ' + constant + "}}", headers=JSON))
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", content='{"payload": {"x": ' + constant + "}}", headers=auth))
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize("number", ["1e400", "-1e400", "9" * 5_000], ids=["past-a-double", "negative", "5000-digits"])
def test_a_number_no_store_can_keep_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, number: str) -> None:
    # 1e400 used to be read as Infinity (SQLite stored invalid JSON, PostgreSQL answered 500); 5,000 digits raised ValueError (500).
    client, auth = server
    _native_problem(client.post("/api/v1/runs", content='{"job": "demo", "input": {"x": ' + number + "}}", headers=JSON))
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", content='{"payload": {"x": ' + number + "}}", headers=auth))
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize("where", ["input", "input-key", "job-cwd"])
def test_a_lone_surrogate_anywhere_in_a_body_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, where: str) -> None:
    # "\ud800" is not a character and has no UTF-8: measuring the input raised UnicodeEncodeError (500); a job stored it.
    client, _ = server
    if where == "job-cwd":
        response = client.put("/api/v1/jobs/surrogate", content='{"command": ["true"], "cwd": "a\\udc00b"}', headers=JSON)
        _native_problem(response)
        assert client.get("/api/v1/jobs/surrogate").status_code == 404
        return
    body = '{"job": "demo", "input": "a\\ud800b"}' if where == "input" else '{"job": "demo", "input": {"\\ud800": 1}}'
    _native_problem(client.post("/api/v1/runs", content=body, headers=JSON))
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize(
    "payload",
    ['{\\"json\\": \\"\\\\ud800\\"}', '{\\"json\\": {\\"x\\": NaN}}'],
    ids=["surrogate", "nan"],
)
def test_a_superjson_payload_decoding_to_what_no_store_keeps_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, payload: str) -> None:
    # JSON text inside the JSON body, decoded by the Trigger.dev dialect: the service checks the input it becomes.
    client, auth = server
    body = '{"payload": "' + payload + '", "options": {"payloadType": "application/super+json"}}'
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", content=body, headers=auth))
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize(
    "body",
    ['{"job": "demo", "session_id": "a\\u0000b"}', '{"job": "demo", "input": {"k\\u0000": 1}}', '{"job": "demo", "tags": ["a\\u0000"]}'],
    ids=["session", "input-key", "tag"],
)
def test_a_nul_character_in_a_native_body_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, body: str) -> None:
    client, _ = server
    _native_problem(client.post("/api/v1/runs", content=body, headers=JSON))
    assert _stored_runs(client) == runs_before


def test_a_nul_character_in_a_trigger_idempotency_key_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int) -> None:
    client, auth = server
    body = '{"payload": {}, "options": {"idempotencyKey": "k\\u0000"}}'
    _trigger_error(client.post("/trigger/api/v1/tasks/demo/trigger", content=body, headers=auth))
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/runs?session_id=%00", 200),
        ("/api/v1/runs?job=%00", 200),
        ("/api/v1/runs/run_%00", 404),
        ("/api/v1/runs/run_%00/result", 404),
        ("/api/v1/jobs/%00", 404),
        ("/trigger/api/v1/runs?filter%5Btag%5D=%00", 200),
        ("/trigger/api/v1/runs?filter%5BtaskIdentifier%5D=%00", 200),
        ("/trigger/api/v1/runs?page%5Bafter%5D=run_%00", 400),  # not a run id's shape
        ("/trigger/api/v3/runs/run_%00", 404),
        ("/api/svc/v1/jobs/%00/runs", 404),
        ("/api/svc/v1/jobs/demo/runs?searchPrefix=%00", 200),
        ("/api/svc/v1/jobs/demo/runs/%00", 404),
    ],
)
def test_a_nul_character_in_a_path_or_filter_finds_nothing(server: tuple[TestClient, dict[str, str]], path: str, expected: int) -> None:
    client, auth = server
    client.post("/api/v1/runs", json={"job": "demo", "session_id": "s"})
    response = client.get(path, headers=auth)
    assert response.status_code == expected, response.text
    if expected == 200:
        body = response.json()
        listed = body.get("jobs", body.get("data"))
        assert listed == []


def test_deleting_or_cancelling_a_run_named_with_a_nul_is_404(server: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = server
    assert client.delete("/api/v1/runs/run_%00").status_code == 404
    assert client.post("/api/v1/runs/run_%00/cancel").status_code == 404
    assert client.delete("/api/v1/jobs/%00").status_code == 404
    assert client.delete("/api/v1/keys/key_%00").status_code == 404


def test_a_null_trigger_body_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int) -> None:
    client, auth = server
    response = client.post("/trigger/api/v1/tasks/demo/trigger", content="null", headers=auth)
    _trigger_error(response)
    assert response.json()["details"][0]["message"] == "The body is null; send a JSON object"
    assert _stored_runs(client) == runs_before


def test_a_null_replay_body_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int) -> None:
    client, auth = server
    run_id = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {}}, headers=auth).json()["id"]
    _trigger_error(client.post(f"/trigger/api/v1/runs/{run_id}/replay", content="null", headers=auth))
    assert _stored_runs(client) == runs_before + 1


def test_a_trigger_without_a_body_is_still_a_run(server: tuple[TestClient, dict[str, str]], runs_before: int) -> None:
    # Trigger.dev's SDK may post `content-type: application/json` with no body at all.
    client, auth = server
    assert client.post("/trigger/api/v1/tasks/demo/trigger", headers=auth).status_code == 200
    assert _stored_runs(client) == runs_before + 1


@pytest.mark.parametrize(
    "body",
    ['{"options": {"tags": 5}}', '{"options": {"tags": [{}]}}', '{"options": {"maxAttempts": 1e30}}'],
    ids=["tags-number", "tags-object", "huge-attempts"],
)
def test_a_replay_with_invalid_options_is_400(server: tuple[TestClient, dict[str, str]], runs_before: int, body: str) -> None:
    client, auth = server
    run_id = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {}}, headers=auth).json()["id"]
    _trigger_error(client.post(f"/trigger/api/v1/runs/{run_id}/replay", content=body, headers=auth))
    assert _stored_runs(client) == runs_before + 1


@pytest.mark.parametrize(
    ("path", "body", "dialect_field"),
    [
        ("/api/v1/runs", '{"job": "demo"}', "detail"),
        ("/trigger/api/v1/tasks/demo/trigger", '{"payload": {}}', "error"),
        ("/api/svc/v1/jobs/trigger", '{"applicationId": "demo"}', "statusCode"),
    ],
)
def test_a_body_without_a_content_type_is_a_4xx_in_the_dialects_shape(
    server: tuple[TestClient, dict[str, str]], runs_before: int, path: str, body: str, dialect_field: str
) -> None:
    client, auth = server
    response = client.post(path, content=body, headers={"Authorization": auth["Authorization"]})
    assert 400 <= response.status_code < 500, response.text
    assert dialect_field in response.json()
    assert _stored_runs(client) == runs_before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/svc/v1/jobs/trigger", '{"applicationId": "\\ud800"}'),
        ("/trigger/api/v1/tasks/demo/trigger", '{"payload": {}, "options": {"idempotencyKey": "\\ud800"}}'),
    ],
    ids=["truefoundry-application", "trigger-idempotency-key"],
)
def test_a_lone_surrogate_is_a_4xx(server: tuple[TestClient, dict[str, str]], runs_before: int, path: str, body: str) -> None:
    client, auth = server
    response = client.post(path, content=body, headers=auth)
    assert response.status_code in (400, 422), response.text
    assert _stored_runs(client) == runs_before
