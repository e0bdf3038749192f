"""A job's env values are write-only over the API: shown as names, kept when given back redacted."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.testclient import TestClient

from runyard.store.db import open_database
from runyard.store.jobs import JobStore

JOBS = "/api/v1/jobs"


def _stored_env(url: str, name: str) -> dict[str, str]:
    async def read() -> dict[str, str]:
        db = open_database(url, run_migrations=False)
        try:
            return (await JobStore(db).get(name)).definition.env
        finally:
            await db.close()

    return asyncio.run(read())


def _put(client: TestClient, name: str, **spec: Any) -> Any:
    return client.put(f"{JOBS}/{name}", json={"command": ["true"], **spec})


def test_a_jobs_env_values_are_never_shown(client: TestClient) -> None:
    assert _put(client, "secretive", env={"TOKEN": "s3cr3t", "LEVEL": "info"}).status_code == 201
    for shown in (client.get(f"{JOBS}/secretive").json(), next(j for j in client.get(JOBS).json()["jobs"] if j["name"] == "secretive")):
        assert shown["env"] == {"TOKEN": "<redacted>", "LEVEL": "<redacted>"}
    assert "s3cr3t" not in client.get(JOBS).text


def test_a_definition_given_back_as_shown_keeps_the_values_and_the_version(client: TestClient, sqlite_url: str) -> None:
    _put(client, "roundtrip", env={"TOKEN": "s3cr3t"})
    shown = client.get(f"{JOBS}/roundtrip").json()
    spec = {key: shown[key] for key in ("command", "shell", "env", "env_from", "allow_command_override", "cwd", "timeout_seconds", "max_attempts", "retry", "concurrency", "kill_grace_seconds", "environments")}
    again = client.put(f"{JOBS}/roundtrip", json=spec)
    assert (again.status_code, again.json()["version"]) == (200, 1)
    assert _stored_env(sqlite_url, "roundtrip") == {"TOKEN": "s3cr3t"}


def test_a_redacted_value_keeps_one_variable_while_another_changes(client: TestClient, sqlite_url: str) -> None:
    _put(client, "partly", env={"TOKEN": "s3cr3t", "LEVEL": "info"})
    changed = _put(client, "partly", env={"TOKEN": "<redacted>", "LEVEL": "debug"})
    assert (changed.status_code, changed.json()["version"]) == (200, 2)
    assert _stored_env(sqlite_url, "partly") == {"TOKEN": "s3cr3t", "LEVEL": "debug"}


def test_a_redacted_value_with_nothing_to_keep_is_400_and_changes_nothing(client: TestClient, sqlite_url: str) -> None:
    _put(client, "keeper", env={"LEVEL": "info"})
    refused = _put(client, "keeper", env={"TOKEN": "<redacted>"})
    assert refused.status_code == 400
    assert refused.json() == {"detail": "job 'keeper': env TOKEN given as <redacted> but the job has no current value to keep"}
    assert _stored_env(sqlite_url, "keeper") == {"LEVEL": "info"}
    assert _put(client, "fresh-one", env={"TOKEN": "<redacted>"}).status_code == 400
    assert client.get(f"{JOBS}/fresh-one").status_code == 404
