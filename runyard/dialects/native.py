"""The native, PraisonAI-compatible dialect: requests into the core's terms, answers and errors in its shapes."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connexion.exceptions import Unauthorized
from connexion.lifecycle import ConnexionResponse
from starlette.responses import StreamingResponse

from generated import models as m
from runyard.dialects import parse_model, states_shown_as
from runyard.domain import (
    HELD_STATES,
    REDACTED,
    WAITING_STATES,
    ApiKey,
    Credential,
    Cursor,
    DeclarativeSchedule,
    Forbidden,
    InputTooLarge,
    InvalidInput,
    InvalidJob,
    JobDefinition,
    JobNotFound,
    JobVersion,
    KeyNotFound,
    NewRun,
    Run,
    RunConflict,
    RunFilter,
    RunHead,
    RunNotFound,
    RunState,
    RunSummary,
    ScheduleNotFound,
    StateCounts,
    StoredJob,
    StoreUnavailable,
    session_scoped_key,
)
from runyard.domain.overview import HOUR_US, Overview
from runyard.domain.runs import Attempt
from runyard.domain.schedules import DEFAULT_TIMEZONE, InvalidSchedule, NewSchedule, Overlap, ScheduleChange, describe
from runyard.domain.webhooks import Delivery
from runyard.jobs import job_from_data
from runyard.prompt_job import PROMPT_TIMEOUT_SECONDS
from runyard.service import RunDetails, RunListing, ScheduleView, Submitted
from runyard.timeutil import duration_seconds, now_us, parse_datetime, to_datetime, to_iso
from runyard.web.problems import problem_parts
from runyard.web.replies import ErrorContext, Reply, json_response, page_reply, reply, unavailable_headers

NATIVE_STATUS: dict[RunState, m.NativeStatus] = {
    RunState.DELAYED: m.NativeStatus.queued,
    RunState.QUEUED: m.NativeStatus.queued,
    RunState.RETRYING: m.NativeStatus.queued,
    RunState.RUNNING: m.NativeStatus.running,
    RunState.CANCELLING: m.NativeStatus.running,
    RunState.SUCCEEDED: m.NativeStatus.succeeded,
    RunState.FAILED: m.NativeStatus.failed,
    RunState.TIMED_OUT: m.NativeStatus.failed,
    RunState.CRASHED: m.NativeStatus.failed,
    RunState.SYSTEM_FAILURE: m.NativeStatus.failed,
    RunState.CANCELLED: m.NativeStatus.cancelled,
    RunState.EXPIRED: m.NativeStatus.cancelled,
}

# Poll hints PraisonAI's own server gives: 2 s while queued, 5 s while running.
RETRY_AFTER: dict[m.NativeStatus, int] = {m.NativeStatus.queued: 2, m.NativeStatus.running: 5}


def states_for(status: str) -> frozenset[RunState]:
    """Every internal state shown under a native status (the contract admits only those it lists)."""
    return states_shown_as(NATIVE_STATUS, [status])


def retry_after(run: Run | RunHead) -> int | None:
    return RETRY_AFTER.get(NATIVE_STATUS[run.state])


def list_item(summary: RunSummary, environments: dict[str, str]) -> dict[str, object]:
    """A list item's fields, as RunList would answer them (web/replies.page_reply)."""
    # In RunListItem's order, as the page is encoded as it is; `number`s as floats.
    fields: dict[str, object] = {
        "job_id": summary.id,
        "status": NATIVE_STATUS[summary.state],
        "created_at": to_datetime(summary.created_at),
        "session_id": summary.session_id,
        "progress": {"percentage": float(summary.progress_percentage), "current_step": summary.progress_step},
    }
    if summary.started_at is not None:
        fields["started_at"] = to_datetime(summary.started_at)
    if summary.completed_at is not None:
        fields["completed_at"] = to_datetime(summary.completed_at)
    # runyard's extensions: what a runs table shows beside the status.
    fields["job"] = summary.job_name
    fields["environment"] = environments.get(summary.env_id or "", "")
    fields["tags"] = list(summary.tags)
    fields["duration_seconds"] = _seconds(summary.duration_ms)
    fields["attempt"] = summary.attempt
    return fields


def _seconds(duration_ms: int | None) -> float | None:
    return duration_ms / 1000 if duration_ms is not None else None


def attempt_model(attempt: Attempt) -> m.RunAttempt:
    return m.RunAttempt(
        number=attempt.number,
        worker=attempt.worker_id,
        started_at=to_iso(attempt.started_at),
        ended_at=_iso(attempt.ended_at),
        state=m.RunState(attempt.state.value) if attempt.state is not None else None,
        exit_code=attempt.exit_code,
        error=attempt.error,
    )


def run_details(details: RunDetails) -> m.RunDetails:
    """Everything a run's page shows; values a run does not have (yet) are null, its webhook absent without one."""
    run = details.run
    fields: dict[str, object] = {
        "job_id": run.id,
        "name": run.name,
        "job": run.job_name,
        "job_version": run.job_version,
        "environment": details.environment,
        "status": NATIVE_STATUS[run.state],
        "state": m.RunState(run.state.value),
        "session_id": run.session_id,
        "tags": list(run.tags),
        "input": run.input,
        "result": run.result,
        "error": run.error,
        "exit_code": run.exit_code,
        "attempt": run.attempt,
        "max_attempts": run.max_attempts,
        "progress": m.Progress(percentage=run.progress_percentage, current_step=run.progress_step),
        "created_at": to_iso(run.created_at),
        "started_at": _iso(run.started_at),
        "completed_at": _iso(run.completed_at),
        "updated_at": to_iso(run.updated_at),
        "delayed_until": _iso(run.delayed_until),
        "duration_seconds": _seconds(run.duration_ms),
        "metadata": run.metadata,
        "schedule_id": run.schedule_id,
        "batch_id": run.batch_id,
        "priority": run.priority,
        "queue": run.queue_name,
        "triggered_by": run.triggered_by,
        "attempts": [attempt_model(attempt) for attempt in details.attempts],
    }
    if details.delivery is not None:
        fields["webhook"] = webhook_model(details.delivery)
    return m.RunDetails(**fields)


def _iso(us: int | None) -> str | None:
    return to_iso(us) if us is not None else None


def run_status(run: Run | RunHead, webhook: Delivery | None = None) -> m.RunStatus:
    fields: dict[str, object] = {
        "job_id": run.id,
        "status": NATIVE_STATUS[run.state],
        "progress": m.Progress(percentage=run.progress_percentage, current_step=run.progress_step),
        # Datetimes, not text: the model would parse the text back (to_datetime says why).
        "created_at": to_datetime(run.created_at),
        "session_id": run.session_id,
    }
    if webhook is not None:
        fields["webhook"] = webhook_model(webhook)
    # Absent values are left out rather than sent as null, as the seed's examples show.
    if run.started_at is not None:
        fields["started_at"] = to_datetime(run.started_at)
    if run.completed_at is not None:
        fields["completed_at"] = to_datetime(run.completed_at)
    hint = retry_after(run)
    if hint is not None:
        fields["retry_after"] = hint
    if run.error is not None and run.state.finished:
        fields["error"] = run.error
    return m.RunStatus(**fields)


def webhook_model(delivery: Delivery) -> m.WebhookDelivery:
    fields: dict[str, object] = {
        "url": delivery.url,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
    }
    if delivery.delivered_at is not None:
        fields["delivered_at"] = to_datetime(delivery.delivered_at)
    return m.WebhookDelivery(**fields)


def webhook_payload(run: Run) -> dict[str, Any]:
    """What a finished run's webhook POSTs: PraisonAI's payload (runyard.executor.webhooks sends it)."""
    status = NATIVE_STATUS[run.state]
    return {
        "job_id": run.id,
        "status": status.value,
        "result": run.result if run.state is RunState.SUCCEEDED else None,
        "error": (run.error or run.state.value) if status is m.NativeStatus.failed else None,
        "completed_at": to_iso(run.completed_at) if run.completed_at is not None else None,
        "duration_seconds": run.duration_ms / 1000 if run.duration_ms is not None else None,
    }


def stats_reply(counts: StateCounts, *, backend: str, worker_slots: int, stopping: bool) -> Reply:
    """PraisonAI's /stats from the store's counts (runs by internal state, shown by native status)."""
    by_status: dict[str, int] = {}
    for state, runs in counts.by_state.items():
        shown = NATIVE_STATUS[RunState(state)].value
        by_status[shown] = by_status.get(shown, 0) + runs
    running = sum(runs for state, runs in counts.by_state.items() if RunState(state) in (RunState.RUNNING, RunState.CANCELLING))
    stats = m.Stats(
        executor=m.Executor(running_jobs=running, max_concurrent=worker_slots, default_timeout=PROMPT_TIMEOUT_SECONDS, shutdown=stopping),
        store=m.Store(backend=m.Backend(backend), total_jobs=counts.total, idempotency_keys=counts.keyed, max_jobs=None, status_counts=by_status),
    )
    return reply(stats)


def run_result(run: Run) -> m.RunResult:
    assert run.completed_at is not None, "only finished runs have a result"
    # Every dialect's duration is the run's executing time, summed over its attempts (see the spec).
    duration = run.duration_ms / 1000 if run.duration_ms is not None else None
    return m.RunResult(
        job_id=run.id,
        status=NATIVE_STATUS[run.state],
        result=run.result,
        error=run.error,
        created_at=to_iso(run.created_at),
        completed_at=to_iso(run.completed_at),
        duration_seconds=duration,
    )


def submitted_model(run: Run, base_url: str) -> m.SubmitRunResponse:
    """The answer to a submit; its URLs are absolute, built from the request's base URL, as PraisonAI's server builds them."""
    url = base_url.rstrip("/") + status_path(run.id)
    return m.SubmitRunResponse(
        job_id=run.id,
        status=NATIVE_STATUS[run.state],
        created_at=to_datetime(run.created_at),
        poll_url=url,
        stream_url=f"{url}/stream",
    )


def status_path(run_id: str) -> str:
    return f"/api/v1/runs/{run_id}"


def run_logs(run: Run) -> m.RunLogs:
    return m.RunLogs(
        job_id=run.id,
        attempt=run.attempt,
        exit_code=None if run.state in (RunState.RUNNING, RunState.CANCELLING) else run.exit_code,
        stdout=run.stdout_tail or "",
        stderr=run.stderr_tail or "",
    )


def _shown_definition(definition: JobDefinition) -> dict[str, Any]:
    data = definition.to_data()
    data["env"] = dict.fromkeys(data["env"], REDACTED)  # values are write-only: names only
    data["retention_days"] = definition.retention_days  # shown as null when unset (to_data leaves it out)
    return data


def job_model(stored: StoredJob) -> m.Job:
    data = _shown_definition(stored.definition)
    return m.Job(name=stored.name, version=stored.version, created_at=to_iso(stored.created_at), updated_at=to_iso(stored.updated_at), **data)


def job_version_model(version: JobVersion) -> m.JobVersion:
    definition = m.JobVersionDefinition(name=version.definition.name, version=version.version, **_shown_definition(version.definition))
    return m.JobVersion(version=version.version, created_at=to_iso(version.created_at), definition=definition)


def unknown_job_message(name: str) -> str:
    return f"Unknown job {name!r}; define it in a jobs file or with PUT /api/v1/jobs/{name}"


# --- requests -------------------------------------------------------------------------------


def list_filter(
    status: str | None,
    session_id: str | None,
    job: str | None,
    schedule: str | None = None,
    tag: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
) -> RunFilter:
    return RunFilter(
        states=states_for(status) if status is not None else None,
        session_id=session_id,
        job_name=job,
        schedule_id=schedule,
        tags=(tag,) if tag is not None else None,
        created_from=_time_bound("created_after", created_after),
        created_to=_time_bound("created_before", created_before),
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _time_bound(parameter: str, value: str | None) -> int | None:
    """An RFC 3339 date-time (connexion has checked the format) as epoch microseconds, exactly (no float)."""
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidInput(parameter, f"Invalid {parameter} {value!r}: use an RFC 3339 date-time, such as 2025-01-01T00:00:00Z")
    return (parsed - _EPOCH) // timedelta(microseconds=1)


# A list cursor: `<created_at µs>_<run id>`, the exact position of the page's last run in the list order.
# Clients pass it back untouched; the shape is ours to change.
_CURSOR = re.compile(r"([0-9]{1,18})_(run_[0-9a-z]{1,36})")


def encode_cursor(position: Cursor) -> str:
    return f"{position.created_at}_{position.id}"


def list_cursor(cursor: str | None, page: int) -> Cursor | None:
    """The position a list request starts after (InvalidInput for a cursor we did not make, or one with a page past the first)."""
    if cursor is None:
        return None
    if page > 1:
        raise InvalidInput("cursor", "Give either cursor or page, not both: a cursor already says where the page starts")
    found = _CURSOR.fullmatch(cursor)
    if found is None:
        raise InvalidInput("cursor", f"Invalid cursor {cursor[:64]!r}: pass back a next_cursor from an earlier answer, untouched")
    return Cursor(int(found[1]), found[2])


def new_run(body: dict[str, Any], idempotency_header: str | None, credential: Credential) -> NewRun:
    """A submit as the core's request, in the credential's environment; the `Idempotency-Key` header wins over the body's key.

    PraisonAI's request (a `prompt`) runs the named job, or the server's prompt job when it names
    none, with every submitted field as its input; runyard's (a `job`) runs the job with `input`."""
    submit = parse_model(m.SubmitRunRequest, body)
    if submit.job is None and submit.prompt is None:
        raise InvalidInput("prompt", "Send a prompt (PraisonAI's request) or a job to run (runyard's)")
    body_key = submit.idempotency_key.root if isinstance(submit.idempotency_key, m.IdempotencyKey) else submit.idempotency_key
    key = idempotency_header if idempotency_header is not None else body_key
    if key is not None and submit.idempotency_scope is m.IdempotencyScope.session:
        key = session_scoped_key(submit.session_id or "", key)  # runs without a session are a session of their own
    return NewRun(
        env_id=credential.environment.id,
        job_name=submit.job,
        input=dict(body) if submit.prompt is not None else submit.input,
        session_id=submit.session_id,
        tags=tuple(tag.root for tag in submit.tags or ()),
        idempotency_key=key,
        delay_seconds=submit.delay or 0,
        ttl_seconds=submit.ttl,
        max_attempts=submit.max_attempts,  # None: the job's own setting
        timeout_seconds=submit.timeout,
        webhook_url=submit.webhook_url,
    )


def job_definition(name: str, body: dict[str, Any]) -> JobDefinition:
    """A PUT body as a definition (InvalidJob when it cannot run)."""
    return job_from_data(name, body)


def new_schedule(body: dict[str, Any], credential: Credential) -> tuple[NewSchedule, str | None]:
    """A schedule to create, in the credential's environment, and the environment the body names (if any)."""
    asked = parse_model(m.CreateScheduleRequest, body)
    new = NewSchedule(
        env_id=credential.environment.id,
        job_name=asked.job,
        cron=asked.cron,
        timezone=asked.timezone or DEFAULT_TIMEZONE,
        input=asked.input,
        external_id=asked.external_id,
        deduplication_key=asked.deduplication_key,
        active=asked.active if asked.active is not None else True,
        overlap=Overlap(asked.overlap.value) if asked.overlap is not None else Overlap.ALLOW,
    )
    return new, asked.environment


def schedule_change(body: dict[str, Any]) -> ScheduleChange:
    asked = parse_model(m.UpdateScheduleRequest, body)
    return ScheduleChange(
        job_name=asked.job,
        cron=asked.cron,
        timezone=asked.timezone or DEFAULT_TIMEZONE,
        external_id=asked.external_id,
        input=asked.input,
        overlap=Overlap(asked.overlap.value) if asked.overlap is not None else None,
    )


@dataclass(frozen=True)
class KeyRequest:
    environment: str
    admin: bool
    expires_in_seconds: int | None


def key_request(body: dict[str, Any]) -> KeyRequest:
    """A key to create; its lifetime's pattern (checked by the contract) keeps it above zero and within the column."""
    asked = parse_model(m.CreateApiKeyRequest, body)
    lifetime = duration_seconds(asked.expires_in) if asked.expires_in is not None else None
    return KeyRequest(asked.environment, bool(asked.admin), lifetime)


# --- answers --------------------------------------------------------------------------------


def _poll_headers(run: Run | RunHead) -> dict[str, str]:
    hint = retry_after(run)
    return {"Retry-After": str(hint)} if hint is not None else {}


def list_reply(listing: RunListing, number: int, size: int) -> Reply:
    page = listing.page
    return page_reply(
        m.RunList,
        {
            "jobs": [list_item(s, listing.environments) for s in page.items],
            "total": page.total,
            "page": number,
            "page_size": size,
            "next_cursor": encode_cursor(page.next) if page.next is not None else None,
        },
    )


def details_reply(details: RunDetails) -> Reply:
    return reply(run_details(details))


def job_versions_reply(versions: list[JobVersion]) -> Reply:
    return reply(m.JobVersionList(versions=[job_version_model(v) for v in versions]))


# The windows an overview may cover, in hours.
OVERVIEW_HOURS = {"24h": 24, "7d": 168}
_SHOWN = tuple(m.NativeStatus)


def _by_status(by_state: dict[str, int]) -> dict[str, int]:
    """Runs by internal state as runs by native status, every status present (0 when none)."""
    counts = dict.fromkeys((status.value for status in _SHOWN), 0)
    for state, runs in by_state.items():
        counts[NATIVE_STATUS[RunState(state)].value] += runs
    return counts


def overview_reply(overview: Overview, window: str) -> Reply:
    by_state = overview.counts.by_state
    hours: dict[int, dict[str, int]] = {}
    jobs: dict[str, dict[str, int]] = {}
    durations: dict[str, tuple[int, int, int | None]] = {}  # job -> (sum ms, how many, max ms)
    for row in overview.activity:
        for tally in (hours.setdefault(row.hour, {}), jobs.setdefault(row.job_name, {})):
            tally[row.state] = tally.get(row.state, 0) + row.runs
        total, count, longest = durations.get(row.job_name, (0, 0, None))
        if row.duration_ms_max is not None:
            longest = max(longest or 0, row.duration_ms_max)
        durations[row.job_name] = (total + row.duration_ms_sum, count + row.durations, longest)
    window_hours = range(overview.first_hour, overview.first_hour + overview.hours)  # the store read no run outside them
    buckets = [m.OverviewBucket(start=to_iso(hour * HOUR_US), counts=m.StatusCounts(**_by_status(hours.get(hour, {})))) for hour in window_hours]
    rows = [_job_row(name, _by_status(states), durations[name]) for name, states in jobs.items()]
    rows.sort(key=lambda row: (-row.runs, row.job))
    answer = m.Overview(
        window=m.OverviewWindow(window),
        generated_at=to_iso(overview.generated_at),
        environments=overview.environments,
        counts=m.StatusCounts(**_by_status(by_state)),
        queue_depth=sum(by_state.get(state.value, 0) for state in WAITING_STATES),
        running=sum(by_state.get(state.value, 0) for state in HELD_STATES),
        buckets=buckets,
        jobs=rows,
    )
    return reply(answer)


def _job_row(name: str, counts: dict[str, int], durations: tuple[int, int, int | None]) -> m.OverviewJob:
    finished = counts["succeeded"] + counts["failed"] + counts["cancelled"]
    total_ms, timed, longest = durations
    return m.OverviewJob(
        job=name,
        runs=sum(counts.values()),
        succeeded=counts["succeeded"],
        failed=counts["failed"],
        cancelled=counts["cancelled"],
        success_rate=counts["succeeded"] / finished if finished else None,
        avg_duration_seconds=total_ms / timed / 1000 if timed else None,
        max_duration_seconds=_seconds(longest),
    )


def submitted_reply(submitted: Submitted, base_url: str) -> Reply:
    run = submitted.run
    answer = submitted_model(run, base_url)
    return reply(answer, 202 if submitted.created else 200, {"Location": answer.poll_url, **_poll_headers(run)})


def status_reply(run: Run | RunHead, webhook: Delivery | None = None) -> Reply:
    return reply(run_status(run, webhook), 200, _poll_headers(run))


def result_reply(run: Run) -> Reply:
    return reply(run_result(run))


def logs_reply(run: Run) -> Reply:
    return reply(run_logs(run))


def job_reply(stored: StoredJob, changed: bool | None = None) -> Reply:
    return reply(job_model(stored), 201 if changed and stored.version == 1 else 200)


def jobs_reply(stored: list[StoredJob]) -> Reply:
    return reply(m.JobList(jobs=[job_model(j) for j in stored]))


def schedule_model(view: ScheduleView) -> m.Schedule:
    schedule = view.schedule
    return m.Schedule(
        id=schedule.id,
        job=schedule.job_name,
        cron=schedule.cron,
        description=describe(schedule.cron),
        timezone=schedule.timezone,
        input=schedule.input,
        external_id=schedule.external_id,
        deduplication_key=schedule.deduplication_key,
        active=schedule.active,
        overlap=m.ScheduleOverlap(schedule.overlap.value),
        environment=view.environment.name,
        declarative=schedule.declarative,
        next_run_at=to_iso(view.next_run) if view.next_run is not None else None,
        last_run_at=to_iso(schedule.last_due_at) if schedule.last_due_at is not None else None,
        upcoming=[to_iso(due) for due in view.upcoming],
        created_at=to_iso(schedule.created_at),
        updated_at=to_iso(schedule.updated_at),
    )


def schedule_reply(view: ScheduleView, created: bool | None = None) -> Reply:
    return reply(schedule_model(view), 201 if created else 200)


def schedules_reply(listed: tuple[list[ScheduleView], int], number: int, size: int) -> Reply:
    views, total = listed
    return reply(m.ScheduleList(schedules=[schedule_model(v) for v in views], total=total, page=number, page_size=size))


def key_model(key: ApiKey) -> m.ApiKey:
    return m.ApiKey(
        id=key.id,
        environment=key.environment.name,
        admin=key.admin,
        prefix=key.prefix,
        created_at=to_iso(key.created_at),
        expires_at=to_iso(key.expires_at) if key.expires_at is not None else None,
        last_used_at=to_iso(key.last_used_at) if key.last_used_at is not None else None,
        revoked_at=to_iso(key.revoked_at) if key.revoked_at is not None else None,
    )


def key_reply(key: ApiKey) -> Reply:
    return reply(key_model(key))


def keys_reply(keys: list[ApiKey]) -> Reply:
    return reply(m.ApiKeyList(keys=[key_model(k) for k in keys]))


def created_key_reply(created: tuple[ApiKey, str]) -> Reply:
    key, secret = created
    return reply(m.CreatedApiKey(**key_model(key).model_dump(), secret=secret), 201)


def stream_response(snapshots: AsyncIterator[Run]) -> StreamingResponse:
    return StreamingResponse(run_events(snapshots), media_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# --- errors ---------------------------------------------------------------------------------


def _native(status: int, detail: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return json_response(status, m.NativeError(detail=detail).model_dump(mode="json"), headers=headers)


def error_response(error: Exception, context: ErrorContext) -> ConnexionResponse:
    """Every error under the native API: the core's as `{"detail"}`, the contract's as RFC 9457 problems.

    A 401 is PraisonAI's jobs server's `{"error": "Unauthorized"}`, with what was wrong.
    """
    if isinstance(error, Unauthorized):
        body = m.NativeUnauthorizedError(error="Unauthorized", detail=str(error.detail)).model_dump(mode="json")
        return json_response(401, body, headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, KeyNotFound):
        return _native(404, f"Key not found: {error}")
    if isinstance(error, RunNotFound):
        return _native(404, f"Job not found: {error.run_id}")
    if isinstance(error, JobNotFound):
        on_jobs = context.path.startswith("/api/v1/jobs")
        return _native(404, f"Unknown job {error.reference!r}" if on_jobs else unknown_job_message(error.reference))
    if isinstance(error, ScheduleNotFound):
        return _native(404, f"Schedule not found: {error.schedule_id}")
    if isinstance(error, (RunConflict, DeclarativeSchedule)):
        return _native(409, str(error))
    if isinstance(error, InputTooLarge):
        return _native(413, str(error))
    if isinstance(error, StoreUnavailable):
        return _native(503, str(error), unavailable_headers(error))
    if isinstance(error, Forbidden):
        return _native(403, str(error))
    if isinstance(error, (InvalidJob, InvalidInput, InvalidSchedule)):
        return _native(400, str(error))
    status, title, detail = problem_parts(error, context)
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return json_response(status, body, "application/problem+json", {"Allow": context.allow} if status == 405 else None)


# --- Server-Sent Events -------------------------------------------------------------------

HEARTBEAT_SECONDS = float(os.environ.get("RUNYARD_SSE_HEARTBEAT_SECONDS", "15"))


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(', ', ': '))}\n\n"


def _progress_event(percentage: float, step: str | None) -> str:
    """`current_step` as the status answer names it, `step` as PraisonAI's stream does."""
    return _sse("progress", {"percentage": percentage, "current_step": step, "step": step or ""})


async def run_events(snapshots: AsyncIterator[Run], heartbeat_seconds: float | None = None) -> AsyncIterator[str]:
    """The native event stream of a run, from successive snapshots of it (see the spec's stream operation).

    Snapshots come when the run changes; a heartbeat is sent after `heartbeat_seconds` without an event."""
    heartbeat = HEARTBEAT_SECONDS if heartbeat_seconds is None else heartbeat_seconds
    last_status = last_progress = None
    quiet_since = time.monotonic()
    upcoming: asyncio.Future[Run] | None = None
    try:
        while True:
            if upcoming is None:
                upcoming = asyncio.ensure_future(anext(snapshots))
            # Waiting with asyncio.wait leaves the snapshot pending across heartbeats (wait_for would cancel it).
            await asyncio.wait({upcoming}, timeout=max(0.0, quiet_since + heartbeat - time.monotonic()))
            if not upcoming.done():
                yield _sse("heartbeat", {"timestamp": to_iso(now_us())})
                quiet_since = time.monotonic()
                continue
            try:
                run = upcoming.result()
            except StopAsyncIteration:
                return
            upcoming = None
            status = NATIVE_STATUS[run.state]
            progress = (run.progress_percentage, run.progress_step)
            sent = False
            # Once the run has ended, its last progress comes before its final status.
            progress_first = run.state.finished and last_status is not None
            if progress_first and progress != last_progress:
                yield _progress_event(*progress)
                last_progress, sent = progress, True
            if status != last_status:
                yield _sse("status", run_status(run).model_dump(mode="json", exclude_unset=True))
                last_status, sent = status, True
            if progress != last_progress:
                if last_progress is not None or progress != (0.0, None):
                    yield _progress_event(*progress)
                last_progress, sent = progress, True
            if run.state.finished:
                if run.state is RunState.SUCCEEDED:
                    yield _sse("result", {"result": run.result})
                elif status is m.NativeStatus.cancelled:
                    yield _sse("cancelled", {"message": "Job was cancelled"})
                else:
                    yield _sse("error", {"error": run.error or run.state.value})
                return
            if sent:
                quiet_since = time.monotonic()
            # Else the snapshot changed nothing a client sees (its output, say): the quiet goes on, and
            # the wait above, timed from quiet_since, sends the heartbeat when it is due.
    finally:
        if upcoming is not None:
            upcoming.cancel()  # the client went away: the snapshot's wait ends, and with it the watch
