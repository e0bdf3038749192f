"""API keys: stored as hashes, refused once revoked or expired by every server process, last use recorded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.store.db import normalise_url
from runyard.store.schema import api_keys
from runyard.web.app import create_app
from tests.support.keys import create_keys, revoke_key, with_key_store
from tests.support.servers import ROOT, start_server, stop_server

LIST = "/trigger/api/v1/runs"


def _key(url: str, environment: str = "dev", expires_in_seconds: int | None = None) -> tuple[str, str]:
    key, secret = with_key_store(url, lambda store: store.create_key(environment, expires_in_seconds=expires_in_seconds))
    return key.id, secret


def _last_used(url: str, key_id: str) -> int | None:
    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with engine.connect() as conn:
            value: int | None = conn.execute(sa.select(api_keys.c.last_used_at).where(api_keys.c.id == key_id)).scalar_one()
            return value
    finally:
        engine.dispose()


def test_an_expired_key_is_refused_and_one_within_its_lifetime_is_not(sqlite_url: str) -> None:
    _, expired = _key(sqlite_url, expires_in_seconds=0)
    _, live = _key(sqlite_url, expires_in_seconds=3600)
    with TestClient(create_app(sqlite_url)) as client:
        refused = client.get(LIST, headers={"Authorization": f"Bearer {expired}"})
        assert (refused.status_code, refused.json()) == (401, {"error": "Invalid or Missing API key"})
        assert client.get(LIST, headers={"Authorization": f"Bearer {live}"}).status_code == 200


def test_a_keys_last_use_is_recorded_once_a_minute_at_most(sqlite_url: str) -> None:
    key_id, secret = _key(sqlite_url)
    assert _last_used(sqlite_url, key_id) is None
    with TestClient(create_app(sqlite_url)) as client:
        assert client.get(LIST, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
        first = _last_used(sqlite_url, key_id)
        assert first is not None
        assert client.get(LIST, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert _last_used(sqlite_url, key_id) == first


@pytest.mark.slow
def test_a_key_revoked_through_one_server_is_refused_by_another_on_the_same_postgresql(pg_url: str, tmp_path: Path) -> None:
    key_id, secret = _key(pg_url)
    servers = [start_server(pg_url, tmp_path / f"server{n}.log", "--workers", "0") for n in (1, 2)]
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        assert [httpx.get(server.url + LIST, headers=headers).status_code for server in servers] == [200, 200]
        revoke_key(pg_url, key_id)  # as `runyard keys revoke` does, beside both servers
        assert [httpx.get(server.url + LIST, headers=headers).status_code for server in servers] == [401, 401]
    finally:
        for server in servers:
            stop_server(server)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide "terminal", so that the table of `keys list` is not cut short.
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "runyard", "keys", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


def test_keys_create_with_an_expiry_prints_the_secret_and_list_shows_the_expiry(sqlite_url: str) -> None:
    created = _cli("create", "--env", "dev", "--expires-in", "2d", "--database-url", sqlite_url)
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip().startswith("tr_dev_") and "expiring" in created.stderr
    listed = _cli("list", "--database-url", sqlite_url)
    assert listed.returncode == 0 and "never" not in listed.stdout


def test_keys_create_refuses_an_expiry_that_is_not_a_duration(sqlite_url: str) -> None:
    refused = _cli("create", "--env", "dev", "--expires-in", "soon", "--database-url", sqlite_url)
    assert refused.returncode != 0 and refused.stdout == ""
    assert "invalid --expires-in 'soon'" in refused.stderr and "Traceback" not in refused.stderr


def test_keys_create_admin_makes_a_key_that_may_define_jobs(sqlite_url: str) -> None:
    created = _cli("create", "--env", "ops", "--admin", "--database-url", sqlite_url)
    assert created.returncode == 0, created.stderr
    assert "admin key" in created.stderr
    with TestClient(create_app(sqlite_url, require_keys=True)) as client:
        defined = client.put("/api/v1/jobs/nightly", json={"command": ["true"]}, headers={"Authorization": f"Bearer {created.stdout.strip()}"})
    assert defined.status_code == 201, defined.text
    assert "admin" in _cli("list", "--database-url", sqlite_url).stdout


def test_a_key_of_an_environment_with_the_longest_name_is_made_on_both_stores(database_url: str) -> None:
    """Its shown prefix is 40 characters (tr_ + 32 + _ + 4): PostgreSQL refused it with a 500 before (found by schemathesis)."""
    name = "a" * 32
    created = create_keys(database_url, {"long": name})["long"]
    assert created[0].environment.name == name
    assert created[1].startswith(f"tr_{name}_")
