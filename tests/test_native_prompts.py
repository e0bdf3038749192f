"""PraisonAI's submit body, its idempotency scopes and /stats, on the native API (in-process, both stores)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from runyard.domain import Credential
from runyard.service import RunService
from runyard.store.db import open_database
from runyard.web.app import create_app
from tests.support.processes import Processes, finished_status

RUNS = "/api/v1/runs"


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(database_url)) as client:
        yield client


def _submit(api: TestClient, **body: Any) -> dict[str, Any]:
    response = api.post(RUNS, json={"delay": 3600, **body})  # delayed: nothing executes them meanwhile
    assert response.status_code in (200, 202), response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_a_prompt_without_a_job_runs_the_prompt_job_with_every_field_as_its_input(api: TestClient, database_url: str) -> None:
    body = {"prompt": "Say hello", "framework": "praisonai", "config": {"model": "x"}, "agent_yaml": "roles: {}", "timeout": 90}
    run_id = _submit(api, **body)["job_id"]
    from runyard.store.runs import RunStore

    async def stored() -> Any:
        db = open_database(database_url, run_migrations=False)
        try:
            return await RunStore(db).get(run_id)
        finally:
            await db.close()

    run = asyncio.run(stored())
    assert run.job_name == "praisonai"
    assert run.input == {"delay": 3600, **body}
    assert run.timeout_seconds == 90


def test_neither_prompt_nor_job_is_400_naming_both(api: TestClient) -> None:
    response = api.post(RUNS, json={"session_id": "s"})
    assert response.status_code == 400
    assert "'prompt' or 'job' is a required property" in response.json()["detail"]


def test_a_session_scoped_key_is_unique_within_its_session_only(api: TestClient) -> None:
    first = _submit(api, prompt="p", session_id="a", idempotency_key="k", idempotency_scope="session")["job_id"]
    same = _submit(api, prompt="p", session_id="a", idempotency_key="k", idempotency_scope="session")["job_id"]
    other = _submit(api, prompt="p", session_id="b", idempotency_key="k", idempotency_scope="session")["job_id"]
    assert same == first and other != first


@pytest.mark.parametrize("scope", ["none", "global"])
def test_a_key_of_scope_none_or_global_is_unique_in_the_environment(api: TestClient, scope: str) -> None:
    first = _submit(api, prompt="p", session_id="a", idempotency_key="k", idempotency_scope=scope)["job_id"]
    again = _submit(api, prompt="p", session_id="b", idempotency_key="k", idempotency_scope=scope)["job_id"]
    assert again == first


def test_stats_count_runs_by_native_status_and_those_with_keys(api: TestClient, database_url: str) -> None:
    ids = [_submit(api, job="demo", **({"idempotency_key": "k"} if i == 0 else {}))["job_id"] for i in range(3)]
    assert api.post(f"{RUNS}/{ids[2]}/cancel").status_code == 200

    stats = api.get("/stats").json()

    assert stats["store"] == {
        "backend": "sqlite" if database_url.startswith("sqlite") else "postgresql",
        "total_jobs": 3,
        "idempotency_keys": 1,
        "max_jobs": None,
        "status_counts": {"queued": 2, "cancelled": 1},
    }
    assert set(stats["executor"]) == {"running_jobs", "max_concurrent", "default_timeout", "shutdown"}
    assert (stats["executor"]["running_jobs"], stats["executor"]["default_timeout"], stats["executor"]["shutdown"]) == (0, 3600, False)


def test_stats_read_the_kept_counts_and_never_the_runs_table(database_url: str) -> None:
    """So /stats costs the same on a million runs as on ten."""

    async def statements() -> list[str]:
        db = open_database(database_url, run_migrations=False)
        seen: list[str] = []
        sa.event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        try:
            service = RunService(db)
            await service.stats(Credential(None, await service.default_environment(), admin=True))
        finally:
            await db.close()
        return seen

    executed = asyncio.run(statements())
    assert [s for s in executed if "FROM run_counts" in s], "no statement read the counts"
    assert [s for s in executed if re.search(r"\b(FROM|JOIN)\s+runs\b", s)] == []


def test_a_full_queue_refuses_submits_with_503_and_retry_after_but_answers_a_repeated_key(database_url: str) -> None:
    from runyard.web.app import Runs

    with TestClient(create_app(database_url, runs=Runs(max_queued=2))) as api:
        first = _submit(api, job="demo", idempotency_key="k")["job_id"]
        _submit(api, job="demo")
        refused = api.post(RUNS, json={"job": "demo", "delay": 3600})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "1"  # as PraisonAI answers
        assert refused.json()["detail"].startswith("Job queue is full (2 runs waiting, the limit is 2)")
        assert _submit(api, job="demo", idempotency_key="k")["job_id"] == first
        assert api.get(RUNS).json()["total"] == 2


def test_behind_a_trusted_proxy_the_urls_a_submit_answers_with_are_the_clients(sqlite_url: str) -> None:
    from runyard.web.app import Runs

    forwarded = {"X-Forwarded-Host": "jobs.example.com", "X-Forwarded-Proto": "https"}
    with TestClient(create_app(sqlite_url, runs=Runs(trust_proxy=True))) as api:
        trusted = api.post(RUNS, json={"job": "demo", "delay": 3600}, headers=forwarded)
    with TestClient(create_app(sqlite_url)) as api:
        untrusted = api.post(RUNS, json={"job": "demo", "delay": 3600}, headers=forwarded)
    assert trusted.json()["poll_url"] == f"http://jobs.example.com/api/v1/runs/{trusted.json()['job_id']}"
    assert untrusted.json()["poll_url"] == f"http://testserver/api/v1/runs/{untrusted.json()['job_id']}"


# A stand-in for praisonai 4.7.19's command line: options before the target (after it, exit 2), one JSON line out.
FAKE_PRAISONAI = """#!/bin/sh
[ "$1" = run ] && [ "$2" = --output ] && [ "$3" = json ] || { echo "bad order: $*" >&2; exit 2; }
shift 3
[ "$1" = --framework ] && { framework=$2; shift 2; }
printf '{"result": "%s answered: %s", "status": "ok"}\\n' "$framework" "$1"
"""


@pytest.mark.slow
def test_the_builtin_prompt_job_runs_praisonai_with_its_options_first_and_takes_its_answer(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, procs: Processes
) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "praisonai").write_text(FAKE_PRAISONAI)
    (folder / "praisonai").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")  # the server, its worker and the job see it
    server = procs.server(sqlite_url, "serve", "--workers", "1")
    run_id = httpx.post(f"{server.url}{RUNS}", json={"prompt": "Say hello", "framework": "crewai"}, timeout=10).json()["job_id"]
    assert finished_status(server, run_id, 30)["status"] == "succeeded"
    assert httpx.get(f"{server.url}{RUNS}/{run_id}/result", timeout=10).json()["result"] == "crewai answered: Say hello"


def test_explicit_nulls_on_optional_fields_are_taken_as_absent(api: TestClient) -> None:
    """PraisonAI's clients may send every optional field, null when unset."""
    nulls = dict.fromkeys(("agent_file", "agent_yaml", "recipe_name", "recipe_config", "framework", "config", "webhook_url", "timeout"), None)
    answer = api.post(RUNS, json={"prompt": "p", "delay": 3600, "session_id": None, "idempotency_key": None, "idempotency_scope": None, **nulls})
    assert answer.status_code == 202, answer.text


@pytest.mark.parametrize("path", ["/etc/hostname", "../agents.yaml", "agents/../../x.yaml", "a\\b.yaml"])
def test_an_agent_file_outside_the_prompt_jobs_folder_is_400(api: TestClient, path: str) -> None:
    answer = api.post(RUNS, json={"prompt": "p", "agent_file": path})
    assert answer.status_code == 400, answer.text
    assert api.get(RUNS).json()["total"] == 0


def test_a_refused_long_value_is_not_echoed_whole_in_the_error(api: TestClient) -> None:
    answer = api.post(RUNS, json={"prompt": "x" * 200_000})
    assert answer.status_code == 400
    assert len(answer.text) < 1_000
