"""The generated Python client (`runyard_client`, generated/python_client) against a real runyard server.

Every native operation is called through the client, over TCP, and its answers arrive as the
client's typed models: health, list runs (filters and pages), submit (Idempotency-Key header and
body key), status, result (409 until finished, then 200), cancel, delete, logs, stream, and jobs
list/get/put/delete. The sync functions are used throughout; the async ones drive a run to its
result. `live_server` has no worker (runs stay queued): one server for the module, its store made
fresh before each test. Where a run must finish, a server with one embedded worker runs the
built-in `demo` job (about 3 s).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from runyard_client import Client
from runyard_client.api.health import get_health
from runyard_client.api.jobs import delete_job, get_job, get_job_versions, list_jobs, put_job
from runyard_client.api.runs import (
    cancel_run,
    delete_run,
    get_run_details,
    get_run_logs,
    get_run_result,
    get_run_status,
    list_runs,
    replay_run,
    stream_run,
    submit_run,
)
from runyard_client.models import (
    Health,
    Job,
    JobList,
    JobSpec,
    JobSpecEnv,
    JobVersionList,
    NativeError,
    Problem,
    RetryPolicy,
    RunDetails,
    RunList,
    RunLogs,
    RunResult,
    RunStatus,
    SubmitRunRequest,
    SubmitRunResponse,
)
from runyard_client.types import UNSET

from tests.support.databases import SqliteSnapshot, sqlite_database
from tests.support.servers import LiveServer, start_server, stop_server

DEADLINE_SECONDS = 30.0


def _client(server: LiveServer) -> Client:
    # Undocumented statuses raise errors.UnexpectedStatus instead of answering None.
    return Client(base_url=server.url, timeout=httpx.Timeout(15.0), raise_on_unexpected_status=True)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory, sqlite_template_path: Path) -> Iterator[tuple[LiveServer, SqliteSnapshot]]:
    """A real server without a worker, once for the module, and its database as the server left it at start."""
    tmp = tmp_path_factory.mktemp("python_client_idle")
    server = start_server(sqlite_database(sqlite_template_path, tmp / "runyard.db"), tmp / "server.log", "--workers", "0")
    try:
        yield server, SqliteSnapshot(tmp / "runyard.db")
    finally:
        stop_server(server)


@pytest.fixture
def live_server(shared_server: tuple[LiveServer, SqliteSnapshot]) -> LiveServer:
    """The shared server, its store fresh again: as if it had just started."""
    server, fresh = shared_server
    fresh.restore()
    return server


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[Client]:
    with _client(live_server) as api:
        yield api


@pytest.fixture(scope="module")
def working_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real server with one embedded worker, so submitted runs execute."""
    tmp = tmp_path_factory.mktemp("python_client")
    server = start_server(f"sqlite:///{tmp / 'runyard.db'}", tmp / "server.log", "--workers", "1")
    try:
        yield server
    finally:
        stop_server(server)


def _submit(api: Client, job: str = "demo", **fields) -> SubmitRunResponse:
    accepted = submit_run.sync(client=api, body=SubmitRunRequest(job=job, **fields))
    assert isinstance(accepted, SubmitRunResponse), accepted
    return accepted


def _wait_for_status(api: Client, job_id: str, *wanted: str) -> RunStatus:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        status = get_run_status.sync(job_id, client=api)
        assert isinstance(status, RunStatus), status
        if status.status in wanted:
            return status
        assert time.monotonic() < deadline, f"run {job_id} is still {status.status}, not {wanted}"
        time.sleep(0.1)


# ------------------------------------------------------------------ health


def test_health_sync_and_async(live_server: LiveServer, client: Client) -> None:
    health = get_health.sync(client=client)
    assert isinstance(health, Health)
    assert health.status == "ok"
    assert health.database == "sqlite"
    assert health.version

    async def check() -> None:
        async with _client(live_server) as api:
            answer = await get_health.asyncio_detailed(client=api)
        assert answer.status_code == 200
        assert isinstance(answer.parsed, Health) and answer.parsed.status == "ok"

    asyncio.run(check())


# ------------------------------------------------------------------ submit and list


def test_submit_with_an_idempotency_key_answers_202_then_200_with_the_first_run(client: Client) -> None:
    body = SubmitRunRequest(job="demo", input_={"topic": "client"}, session_id="alpha", tags=["client"])
    first = submit_run.sync_detailed(client=client, body=body, idempotency_key="client-key-1")
    assert first.status_code == 202
    assert isinstance(first.parsed, SubmitRunResponse)
    run = first.parsed
    assert run.job_id.startswith("run_")
    assert run.status == "queued"
    # Absolute URLs, from the request's base URL (PraisonAI's server answers so too).
    assert run.poll_url == f"{client._base_url}/api/v1/runs/{run.job_id}"
    assert run.stream_url == f"{client._base_url}/api/v1/runs/{run.job_id}/stream"
    assert first.headers["location"] == run.poll_url
    assert first.headers["retry-after"] == "2"

    again = submit_run.sync_detailed(client=client, body=body, idempotency_key="client-key-1")
    assert again.status_code == 200
    assert isinstance(again.parsed, SubmitRunResponse) and again.parsed.job_id == run.job_id

    # The body's idempotency_key works the same way.
    keyed = SubmitRunRequest(job="demo", idempotency_key="client-key-2")
    second = submit_run.sync_detailed(client=client, body=keyed)
    repeated = submit_run.sync_detailed(client=client, body=keyed)
    assert (second.status_code, repeated.status_code) == (202, 200)
    assert isinstance(second.parsed, SubmitRunResponse) and isinstance(repeated.parsed, SubmitRunResponse)
    assert repeated.parsed.job_id == second.parsed.job_id != run.job_id

    listed = list_runs.sync(client=client)
    assert isinstance(listed, RunList)
    assert listed.total == 2


def test_submit_of_an_unknown_job_is_404_and_an_invalid_body_400(client: Client) -> None:
    unknown = submit_run.sync_detailed(client=client, body=SubmitRunRequest(job="no-such-job"))
    assert unknown.status_code == 404
    assert isinstance(unknown.parsed, NativeError) and "no-such-job" in unknown.parsed.detail

    invalid = submit_run.sync_detailed(client=client, body=SubmitRunRequest(job="demo", max_attempts=0))
    assert invalid.status_code == 400
    assert isinstance(invalid.parsed, NativeError) and "max_attempts" in invalid.parsed.detail


def test_list_runs_with_status_and_session_filters_and_pages(client: Client) -> None:
    alpha = [_submit(client, session_id="alpha").job_id for _ in range(3)]
    beta = _submit(client, session_id="beta").job_id
    cancelled = cancel_run.sync(alpha[0], client=client)
    assert isinstance(cancelled, RunStatus) and cancelled.status == "cancelled"

    everything = list_runs.sync(client=client)
    assert isinstance(everything, RunList)
    assert (everything.total, everything.page, everything.page_size) == (4, 1, 20)
    assert [item.job_id for item in everything.jobs] == [beta, *reversed(alpha)]  # newest first
    assert everything.jobs[0].session_id == "beta"
    assert everything.jobs[0].status == "queued"

    pages = [list_runs.sync(client=client, session_id="alpha", page=page, page_size=2) for page in (1, 2, 3)]
    assert all(isinstance(page, RunList) and page.total == 3 and page.page_size == 2 for page in pages)
    assert [[item.job_id for item in page.jobs] for page in pages] == [[alpha[2], alpha[1]], [alpha[0]], []]

    queued = list_runs.sync(client=client, status="queued")
    assert isinstance(queued, RunList) and {item.job_id for item in queued.jobs} == {beta, alpha[1], alpha[2]}
    both = list_runs.sync(client=client, status="cancelled", session_id="alpha")
    assert isinstance(both, RunList) and [item.job_id for item in both.jobs] == [alpha[0]]
    running = list_runs.sync(client=client, status="running")
    assert isinstance(running, RunList) and (running.total, running.jobs) == (0, [])

    too_big = list_runs.sync_detailed(client=client, page_size=101)
    assert too_big.status_code == 400
    assert too_big.headers["content-type"].startswith("application/problem+json")
    assert isinstance(too_big.parsed, NativeError) and "page_size" in too_big.parsed.detail


def test_the_dashboards_extensions_cursor_pages_details_replay_and_versions(client: Client) -> None:
    tagged = [_submit(client, session_id="dash", tags=["nightly"]).job_id for _ in range(3)]
    _submit(client, session_id="dash")  # untagged: the tag filter leaves it out

    first = list_runs.sync(client=client, tag="nightly", page_size=2)
    assert isinstance(first, RunList) and first.total == 3 and isinstance(first.next_cursor, str)
    assert [item.job_id for item in first.jobs] == [tagged[2], tagged[1]]
    assert (first.jobs[0].job, first.jobs[0].environment, first.jobs[0].tags) == ("demo", "default", ["nightly"])
    second = list_runs.sync(client=client, tag="nightly", page_size=2, cursor=first.next_cursor)
    assert isinstance(second, RunList) and [item.job_id for item in second.jobs] == [tagged[0]] and second.next_cursor is None

    details = get_run_details.sync(tagged[0], client=client)
    assert isinstance(details, RunDetails)
    assert (details.job_id, details.job, details.state, details.session_id, details.attempts) == (tagged[0], "demo", "queued", "dash", [])

    replayed = replay_run.sync_detailed(tagged[0], client=client)
    assert replayed.status_code == 202 and isinstance(replayed.parsed, SubmitRunResponse)
    again = get_run_details.sync(replayed.parsed.job_id, client=client)
    assert isinstance(again, RunDetails) and (again.job, again.session_id, again.tags) == ("demo", "dash", ["nightly"])

    versions = get_job_versions.sync("demo", client=client)
    assert isinstance(versions, JobVersionList) and [v.version for v in versions.versions] == [1]

    malformed = list_runs.sync_detailed(client=client, cursor="not-a-cursor")
    assert malformed.status_code == 400 and isinstance(malformed.parsed, NativeError) and "cursor" in malformed.parsed.detail
    unknown = get_run_details.sync_detailed("run_01jd3k5z8q4m2x7v9w0y1z2a3b", client=client)
    assert unknown.status_code == 404 and isinstance(unknown.parsed, NativeError)


# ------------------------------------------------------------------ one queued run


def test_status_result_logs_cancel_and_delete_of_a_queued_run(client: Client) -> None:
    run = _submit(client, input_={"n": 1})

    status = get_run_status.sync_detailed(run.job_id, client=client)
    assert status.status_code == 200 and status.headers["retry-after"] == "2"
    assert isinstance(status.parsed, RunStatus)
    assert status.parsed.status == "queued"
    assert (status.parsed.progress.percentage, status.parsed.progress.current_step) == (0.0, None)
    assert status.parsed.retry_after == 2
    assert status.parsed.started_at is UNSET and status.parsed.completed_at is UNSET

    unfinished = get_run_result.sync_detailed(run.job_id, client=client)
    assert unfinished.status_code == 409
    assert isinstance(unfinished.parsed, NativeError)

    logs = get_run_logs.sync(run.job_id, client=client)
    assert isinstance(logs, RunLogs)
    assert (logs.job_id, logs.attempt, logs.exit_code, logs.stdout, logs.stderr) == (run.job_id, 0, None, "", "")

    cancelled = cancel_run.sync(run.job_id, client=client)
    assert isinstance(cancelled, RunStatus)
    assert cancelled.status == "cancelled"
    assert cancelled.completed_at is not UNSET and cancelled.retry_after is UNSET
    twice = cancel_run.sync_detailed(run.job_id, client=client)
    assert twice.status_code == 409 and isinstance(twice.parsed, NativeError)

    result = get_run_result.sync(run.job_id, client=client)
    assert isinstance(result, RunResult)
    assert (result.status, result.result) == ("cancelled", None)
    assert isinstance(result.error, str)

    deleted = delete_run.sync_detailed(run.job_id, client=client)
    assert (deleted.status_code, deleted.parsed) == (204, None)
    gone = get_run_status.sync_detailed(run.job_id, client=client)
    assert gone.status_code == 404
    assert isinstance(gone.parsed, NativeError) and gone.parsed.detail == f"Job not found: {run.job_id}"
    for operation in (delete_run, cancel_run, get_run_result, get_run_logs):
        answer = operation.sync_detailed(run.job_id, client=client)
        assert answer.status_code == 404 and isinstance(answer.parsed, NativeError), operation.__name__


# ------------------------------------------------------------------ jobs


def test_jobs_list_get_put_and_delete(client: Client) -> None:
    jobs = list_jobs.sync(client=client)
    assert isinstance(jobs, JobList)
    assert "demo" in [job.name for job in jobs.jobs]

    spec = JobSpec(command=["sh", "-c", "echo '::result {\"ok\": true}'"], max_attempts=2, retry=RetryPolicy(initial_seconds=0.5))
    created = put_job.sync_detailed("client-job", client=client, body=spec)
    assert created.status_code == 201
    job = created.parsed
    assert isinstance(job, Job)
    assert (job.name, job.version, job.command, job.shell, job.max_attempts) == ("client-job", 1, spec.command, False, 2)
    assert job.retry.initial_seconds == 0.5 and job.environments is None

    same = put_job.sync_detailed("client-job", client=client, body=spec)
    assert same.status_code == 200 and isinstance(same.parsed, Job) and same.parsed.version == 1

    env = JobSpecEnv()
    env["LEVEL"] = "info"
    changed = put_job.sync("client-job", client=client, body=JobSpec(command=spec.command, env=env, concurrency=2))
    assert isinstance(changed, Job) and changed.version == 2

    fetched = get_job.sync("client-job", client=client)
    assert isinstance(fetched, Job)
    # env values are write-only (issue 12): the job shows the variable's name, not its value.
    assert (fetched.version, fetched.env.additional_properties, fetched.concurrency) == (2, {"LEVEL": "<redacted>"}, 2)

    invalid = put_job.sync_detailed("client-job", client=client, body=JobSpec(command=[]))
    assert invalid.status_code == 400 and isinstance(invalid.parsed, NativeError)
    bad_name = put_job.sync_detailed("a/b", client=client, body=spec)  # the client quotes the slash: no route
    assert bad_name.status_code == 404 and isinstance(bad_name.parsed, Problem)

    deleted = delete_job.sync_detailed("client-job", client=client)
    assert (deleted.status_code, deleted.parsed) == (204, None)
    missing = get_job.sync_detailed("client-job", client=client)
    assert missing.status_code == 404 and isinstance(missing.parsed, NativeError)
    assert delete_job.sync_detailed("client-job", client=client).status_code == 404
    refused = submit_run.sync_detailed(client=client, body=SubmitRunRequest(job="client-job"))
    assert refused.status_code == 404


# ------------------------------------------------------------------ runs that execute


@pytest.mark.slow  # a real run executed by the server's worker
def test_a_demo_run_to_its_result_with_the_async_client(working_server: LiveServer) -> None:
    async def drive() -> dict:
        async with _client(working_server) as api:
            accepted = await submit_run.asyncio(client=api, body=SubmitRunRequest(job="demo", input_={"topic": "async"}))
            assert isinstance(accepted, SubmitRunResponse)
            job_id = accepted.job_id
            seen: dict = {"statuses": [], "result_codes": [], "delete_while_running": None}
            deadline = time.monotonic() + DEADLINE_SECONDS
            while True:
                status = await get_run_status.asyncio(job_id, client=api)
                assert isinstance(status, RunStatus)
                if not seen["statuses"] or seen["statuses"][-1] != status.status:
                    seen["statuses"].append(status.status)
                if status.status in ("succeeded", "failed", "cancelled"):
                    break
                result = await get_run_result.asyncio_detailed(job_id, client=api)
                if result.status_code == 200:
                    # The run ended between the two reads (a loaded machine makes this likely): a result
                    # is only right for a finished run, which the next status read must then show.
                    after = await get_run_status.asyncio(job_id, client=api)
                    assert isinstance(after, RunStatus) and after.status in ("succeeded", "failed", "cancelled"), after
                    continue
                seen["result_codes"].append(result.status_code)
                if status.status == "running" and seen["delete_while_running"] is None:
                    seen["delete_while_running"] = (await delete_run.asyncio_detailed(job_id, client=api)).status_code
                assert time.monotonic() < deadline, f"run {job_id} did not finish in {DEADLINE_SECONDS} s"
                await asyncio.sleep(0.2)
            seen["status"] = status
            seen["result"] = await get_run_result.asyncio_detailed(job_id, client=api)
            seen["logs"] = await get_run_logs.asyncio(job_id, client=api)
            seen["stream"] = await stream_run.asyncio(job_id, client=api)
            seen["job_id"] = job_id
            return seen

    seen = asyncio.run(drive())
    assert seen["statuses"][-1] == "succeeded", seen["statuses"]
    assert "running" in seen["statuses"]
    assert seen["result_codes"] and set(seen["result_codes"]) == {409}  # until it finished
    assert seen["delete_while_running"] == 409

    status = seen["status"]
    assert status.progress.percentage == 100.0 and status.progress.current_step == "Done"
    assert status.started_at is not UNSET and status.completed_at is not UNSET and status.retry_after is UNSET

    result = seen["result"]
    assert result.status_code == 200
    assert isinstance(result.parsed, RunResult)
    assert result.parsed.status == "succeeded" and result.parsed.error is None
    assert result.parsed.result == {"echo": {"topic": "async"}, "steps": 3}
    assert isinstance(result.parsed.duration_seconds, float) and result.parsed.duration_seconds > 2

    logs = seen["logs"]
    assert isinstance(logs, RunLogs)
    assert (logs.attempt, logs.exit_code) == (1, 0)

    stream = seen["stream"]
    assert isinstance(stream, str)
    assert "event: status" in stream and "event: result" in stream

    with _client(working_server) as api:
        assert delete_run.sync_detailed(seen["job_id"], client=api).status_code == 204


@pytest.mark.slow  # a real run executed by the server's worker
def test_cancel_of_a_running_run_with_the_sync_client(working_server: LiveServer) -> None:
    with _client(working_server) as api:
        run = _submit(api)
        _wait_for_status(api, run.job_id, "running")
        cancelled = cancel_run.sync(run.job_id, client=api)
        assert isinstance(cancelled, RunStatus)
        assert cancelled.status in ("running", "cancelled")  # running until its process has ended
        final = _wait_for_status(api, run.job_id, "cancelled", "succeeded", "failed")
        assert final.status == "cancelled"
        result = get_run_result.sync(run.job_id, client=api)
        assert isinstance(result, RunResult) and result.status == "cancelled" and result.result is None
