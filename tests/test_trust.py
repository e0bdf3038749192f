"""One trust model on every API: an environment key sees only its environment, an admin key sees every
environment and alone decides what runs, a presented key must be valid, and a secured server answers
nothing but /health, the docs and the spec without one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from runyard.store.keys import ApiKey
from runyard.web.app import create_app
from tests.support.keys import with_key_store


@dataclass
class Keys:
    secrets: dict[str, str]
    ids: dict[str, str]

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secrets[role]}"}


def _make_keys(url: str) -> Keys:
    """dev and prod environment keys, and an admin key (of `default`)."""

    async def create(store: Any) -> dict[str, tuple[ApiKey, str]]:
        return {
            "dev": await store.create_key("dev"),
            "prod": await store.create_key("prod"),
            "admin": await store.create_key("default", admin=True),
        }

    made = with_key_store(url, create)
    return Keys({role: secret for role, (_, secret) in made.items()}, {role: key.id for role, (key, _) in made.items()})


@pytest.fixture
def open_server(database_url: str) -> Iterator[tuple[TestClient, Keys]]:
    keys = _make_keys(database_url)
    with TestClient(create_app(database_url)) as client:
        yield client, keys


@pytest.fixture
def secured_server(sqlite_url: str) -> Iterator[tuple[TestClient, Keys]]:
    keys = _make_keys(sqlite_url)
    with TestClient(create_app(sqlite_url, require_keys=True)) as client:
        yield client, keys


def _prod_run(client: TestClient, keys: Keys) -> str:
    response = client.post("/api/v1/runs", json={"job": "demo", "input": {"who": "prod"}}, headers=keys.bearer("prod"))
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


# --- another environment's run is not found, on every API and every operation -----------------

NATIVE_RUN_OPERATIONS = [
    ("GET", "/api/v1/runs/{id}"),
    ("GET", "/api/v1/runs/{id}/result"),
    ("GET", "/api/v1/runs/{id}/logs"),
    ("GET", "/api/v1/runs/{id}/stream"),
    ("POST", "/api/v1/runs/{id}/cancel"),
    ("DELETE", "/api/v1/runs/{id}"),
]
# (method, path, the field every error of that API has)
DIALECT_RUN_OPERATIONS = [
    ("GET", "/trigger/api/v3/runs/{id}", "error"),
    ("POST", "/trigger/api/v2/runs/{id}/cancel", "error"),
    ("POST", "/trigger/api/v1/runs/{id}/replay", "error"),
    ("GET", "/api/svc/v1/jobs/demo/runs/{id}", "statusCode"),
    ("DELETE", "/api/svc/v1/jobs/demo/runs/{id}", "statusCode"),
    ("POST", "/api/svc/v1/jobs/terminate?deploymentId=demo&jobRunName={id}", "statusCode"),
]


@pytest.mark.parametrize(("method", "path"), NATIVE_RUN_OPERATIONS)
def test_a_native_operation_on_another_environments_run_is_404_and_changes_nothing(open_server: tuple[TestClient, Keys], method: str, path: str) -> None:
    client, keys = open_server
    run_id = _prod_run(client, keys)
    for headers in (keys.bearer("dev"), {"X-API-Key": keys.secrets["dev"]}):
        response = client.request(method, path.format(id=run_id), headers=headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": f"Job not found: {run_id}"}
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("prod")).json()["status"] == "queued"


@pytest.mark.parametrize(("method", "path", "error_field"), DIALECT_RUN_OPERATIONS)
def test_a_trigger_or_truefoundry_operation_on_another_environments_run_is_404_and_changes_nothing(
    open_server: tuple[TestClient, Keys], method: str, path: str, error_field: str
) -> None:
    client, keys = open_server
    run_id = _prod_run(client, keys)
    response = client.request(method, path.format(id=run_id), headers=keys.bearer("dev"))
    assert response.status_code == 404, response.text
    assert error_field in response.json()
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("prod")).json()["status"] == "queued"
    assert client.get("/trigger/api/v1/runs", headers=keys.bearer("dev")).json()["data"] == []


def test_an_environment_keys_list_and_total_count_only_its_environment(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    prod = {_prod_run(client, keys) for _ in range(2)}
    dev = client.post("/api/v1/runs", json={"job": "demo"}, headers=keys.bearer("dev")).json()["job_id"]
    listed = client.get("/api/v1/runs", headers=keys.bearer("prod")).json()
    assert {run["job_id"] for run in listed["jobs"]} == prod
    assert listed["total"] == 2
    assert client.get("/api/v1/runs", headers=keys.bearer("dev")).json()["total"] == 1
    assert client.get(f"/api/v1/runs/{dev}", headers=keys.bearer("dev")).status_code == 200


def test_an_environment_key_cannot_list_another_environment_by_name(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    _prod_run(client, keys)
    response = client.get("/api/v1/runs", params={"environment": "prod"}, headers=keys.bearer("dev"))
    assert response.status_code == 403
    assert response.json() == {"detail": "Only an admin key may list the runs of another environment"}
    assert client.get("/api/v1/runs", params={"environment": "dev"}, headers=keys.bearer("dev")).json()["total"] == 0


# --- an admin key sees every environment ---------------------------------------------------


def test_an_admin_key_lists_every_environment_or_one_by_name(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    prod = _prod_run(client, keys)
    dev = client.post("/api/v1/runs", json={"job": "demo"}, headers=keys.bearer("dev")).json()["job_id"]
    everything = client.get("/api/v1/runs", headers=keys.bearer("admin")).json()
    assert {run["job_id"] for run in everything["jobs"]} == {prod, dev}
    only_prod = client.get("/api/v1/runs", params={"environment": "prod"}, headers=keys.bearer("admin")).json()
    assert [run["job_id"] for run in only_prod["jobs"]] == [prod]
    assert only_prod["total"] == 1
    nowhere = client.get("/api/v1/runs", params={"environment": "nowhere"}, headers=keys.bearer("admin")).json()
    assert nowhere == {"jobs": [], "total": 0, "page": 1, "page_size": 20, "next_cursor": None}


def test_an_admin_key_reads_cancels_and_deletes_any_environments_run(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    run_id = _prod_run(client, keys)
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("admin")).status_code == 200
    assert client.post(f"/api/v1/runs/{run_id}/cancel", headers=keys.bearer("admin")).json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/runs/{run_id}", headers=keys.bearer("admin")).status_code == 204
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("prod")).status_code == 404


def test_a_run_submitted_with_an_admin_key_belongs_to_the_keys_environment(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    run_id = client.post("/api/v1/runs", json={"job": "demo"}, headers=keys.bearer("admin")).json()["job_id"]
    assert client.get("/api/v1/runs", params={"environment": "default"}, headers=keys.bearer("admin")).json()["jobs"][0]["job_id"] == run_id
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("dev")).status_code == 404


# --- only admins decide what runs ----------------------------------------------------------

ADMIN_ONLY = [
    ("PUT", "/api/v1/jobs/mine", {"command": ["id"]}),
    ("DELETE", "/api/v1/jobs/demo", None),
    ("GET", "/api/v1/keys", None),
    ("POST", "/api/v1/keys", {"environment": "dev", "admin": True}),
    ("DELETE", "/api/v1/keys/{admin_id}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
def test_an_environment_key_may_not_define_jobs_or_manage_keys(
    open_server: tuple[TestClient, Keys], method: str, path: str, body: dict[str, Any] | None
) -> None:
    client, keys = open_server
    response = client.request(method, path.format(admin_id=keys.ids["admin"]), json=body, headers=keys.bearer("dev"))
    assert response.status_code == 403, response.text
    assert response.json()["detail"].startswith("Only an admin key may ")
    # Nothing changed: the job is as it was, the admin key still works, no key was made.
    assert client.get("/api/v1/jobs/demo").status_code == 200
    assert client.get("/api/v1/jobs/mine").status_code == 404
    assert len(client.get("/api/v1/keys", headers=keys.bearer("admin")).json()["keys"]) == 3


def test_an_admin_key_defines_a_job(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    response = client.put("/api/v1/jobs/mine", json={"command": ["true"]}, headers=keys.bearer("admin"))
    assert response.status_code == 201, response.text


def test_an_environment_key_may_read_job_definitions(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    assert client.get("/api/v1/jobs/demo", headers=keys.bearer("dev")).status_code == 200
    assert [job["name"] for job in client.get("/api/v1/jobs", headers=keys.bearer("dev")).json()["jobs"]] == ["demo", "praisonai"]


# --- keys over the API ---------------------------------------------------------------------


def test_a_key_created_over_the_api_works_at_once_and_its_secret_is_shown_only_then(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    created = client.post("/api/v1/keys", json={"environment": "staging", "expires_in": "30d"}, headers=keys.bearer("admin"))
    assert created.status_code == 201, created.text
    key = created.json()
    assert (key["environment"], key["admin"], key["revoked_at"], key["last_used_at"]) == ("staging", False, None, None)
    assert key["secret"].startswith(key["prefix"]) and key["expires_at"] is not None
    run = client.post("/api/v1/runs", json={"job": "demo"}, headers={"Authorization": f"Bearer {key['secret']}"})
    assert run.status_code == 202
    listed = {k["id"]: k for k in client.get("/api/v1/keys", headers=keys.bearer("admin")).json()["keys"]}
    assert "secret" not in listed[key["id"]]
    assert listed[key["id"]]["last_used_at"] is not None


def test_a_key_revoked_over_the_api_is_refused_from_its_next_request(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    revoked = client.delete(f"/api/v1/keys/{keys.ids['dev']}", headers=keys.bearer("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    response = client.get("/api/v1/runs", headers=keys.bearer("dev"))
    assert response.status_code == 401
    assert client.get("/trigger/api/v1/runs", headers=keys.bearer("dev")).status_code == 401


def test_revoking_an_unknown_key_is_404(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    response = client.delete("/api/v1/keys/key_nope", headers=keys.bearer("admin"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Key not found: key_nope"}


@pytest.mark.parametrize("expires_in", ["0s", "99999w", "1d1d1d1d1d", "forever"])
def test_a_key_lifetime_of_nothing_or_past_the_pattern_is_400(open_server: tuple[TestClient, Keys], expires_in: str) -> None:
    client, keys = open_server
    response = client.post("/api/v1/keys", json={"environment": "dev", "expires_in": expires_in}, headers=keys.bearer("admin"))
    assert response.status_code == 400, response.text
    assert len(client.get("/api/v1/keys", headers=keys.bearer("admin")).json()["keys"]) == 3


# --- a presented key must be valid ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{"Authorization": "Bearer tr_dev_not-a-key"}, {"X-API-Key": "tr_dev_not-a-key"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["bearer", "x-api-key", "not-bearer"],
)
def test_an_invalid_key_on_an_open_server_is_401_not_anonymous(open_server: tuple[TestClient, Keys], headers: dict[str, str]) -> None:
    client, _ = open_server
    response = client.post("/api/v1/runs", json={"job": "demo"}, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert client.get("/api/v1/runs").json()["total"] == 0


def test_the_bearer_key_wins_over_x_api_key(open_server: tuple[TestClient, Keys]) -> None:
    client, keys = open_server
    run_id = client.post("/api/v1/runs", json={"job": "demo"}, headers={**keys.bearer("dev"), "X-API-Key": keys.secrets["prod"]}).json()["job_id"]
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("dev")).status_code == 200
    assert client.get(f"/api/v1/runs/{run_id}", headers=keys.bearer("prod")).status_code == 404


def test_trigger_and_truefoundry_need_a_key_on_an_open_server_too(open_server: tuple[TestClient, Keys]) -> None:
    client, _ = open_server
    assert client.get("/trigger/api/v1/runs").status_code == 401
    assert client.get("/api/svc/v1/jobs/demo/runs").status_code == 401


# --- secured mode --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "error_field"),
    [
        ("GET", "/api/v1/runs", "error"),
        ("POST", "/api/v1/runs/run_x/cancel", "error"),
        ("GET", "/api/v1/jobs", "error"),
        ("GET", "/api/v1/keys", "error"),
        ("GET", "/trigger/api/v1/runs", "error"),
        ("GET", "/api/svc/v1/jobs/demo/runs", "statusCode"),
    ],
)
def test_a_secured_server_answers_401_without_a_key_in_the_dialects_shape(
    secured_server: tuple[TestClient, Keys], method: str, path: str, error_field: str
) -> None:
    client, _ = secured_server
    response = client.request(method, path)
    assert response.status_code == 401, response.text
    assert error_field in response.json()


def test_a_secured_server_answers_health_docs_and_the_spec_without_a_key(secured_server: tuple[TestClient, Keys]) -> None:
    client, _ = secured_server
    for path in ("/health", "/docs", "/redoc", "/openapi.json", "/openapi.yaml"):
        assert client.get(path).status_code == 200, path


def test_a_secured_server_serves_a_key(secured_server: tuple[TestClient, Keys]) -> None:
    client, keys = secured_server
    assert client.post("/api/v1/runs", json={"job": "demo"}, headers={"X-API-Key": keys.secrets["dev"]}).status_code == 202
    assert client.put("/api/v1/jobs/mine", json={"command": ["true"]}, headers=keys.bearer("admin")).status_code == 201
