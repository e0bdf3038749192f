"""Trigger.dev-compatible runs under /trigger."""

from __future__ import annotations

from typing import Any

from generated import models as m
from handlers._respond import Answer, ok
from runyard.context import current_service
from runyard.dialects import trigger
from runyard.domain import Cursor, RunFilter, RunNotFound
from runyard.service import JobNotFound
from runyard.store.keys import Environment
from runyard.timeutil import now_us

RUN_NOT_FOUND = "Run not found"


def _environment(token_info: dict[str, Any]) -> Environment:
    return token_info["environment"]


def _error(status: int, message: str) -> Answer:
    return ok(m.TriggerError(error=message), status)


def _bad_request(exc: trigger.TriggerInputError) -> Answer:
    detail = {"code": "custom", "message": str(exc), "path": [exc.parameter]}
    return ok(m.TriggerErrorWithDetails(error="Query Error" if "[" in exc.parameter else "Invalid request body", details=[detail]), 400)


async def _cursor(value: str | None, env: Environment) -> Cursor | None:
    if value is None:
        return None
    decoded = trigger.decode_cursor(value)
    if isinstance(decoded, Cursor):
        return decoded
    try:
        run = await current_service().run_in_environment(decoded, env.id)
    except RunNotFound:
        return trigger.cursor_from_run_id(decoded)
    return Cursor(run.created_at, run.id)


async def list_runs(token_info: dict[str, Any], **params: Any) -> Answer:
    env = _environment(token_info)
    try:
        flt, after, before = await _list_request(params, env)
    except trigger.TriggerInputError as exc:
        return _bad_request(exc)
    window = await current_service().window(flt, limit=params.get("page_size", 25), after=after, before=before)
    pagination: dict[str, str] = {}
    if window.runs and window.has_older:
        pagination["next"] = trigger.encode_cursor(window.runs[-1])
    if window.runs and window.has_newer:
        pagination["previous"] = trigger.encode_cursor(window.runs[0])
    return ok(m.TriggerListRunsResult(data=[trigger.list_item(run, env) for run in window.runs], pagination=pagination))


async def _list_request(params: dict[str, Any], env: Environment) -> tuple[RunFilter, Cursor | None, Cursor | None]:
    """The filter and cursors of a list request (connexion names `filter[x]` as `filter_x`)."""
    created_from = params.get("filter_createdAt_from")
    created_to = params.get("filter_createdAt_to")
    period = params.get("filter_createdAt_period")
    lower = [trigger.time_filter_us("filter[createdAt][from]", created_from)] if created_from else []
    if period:
        lower.append(now_us() - trigger.duration_seconds(period) * 1_000_000)
    statuses = params.get("filter_status")
    versions = params.get("filter_version")
    tasks = list(params.get("filter_taskIdentifier") or [])
    queues = params.get("filter_queue")
    queued_tasks = [q.removeprefix("task/") for q in queues or [] if q.startswith("task/")]
    if queues:
        # Each task has one queue, `task/<name>`: a queue filter is a task filter (ANDed with any given).
        tasks = [t for t in tasks if t in queued_tasks] if tasks else queued_tasks
    flt = RunFilter(
        env_id=env.id,
        states=trigger.states_for(statuses) if statuses else None,
        job_names=tuple(tasks) if tasks or queues else None,
        job_versions=tuple(int(v) for v in versions if v.isascii() and v.isdigit() and len(v) <= 9) if versions else None,
        tags=tuple(params["filter_tag"]) if params.get("filter_tag") else None,
        created_from=max(0, *lower) if lower else None,
        created_to=trigger.time_filter_us("filter[createdAt][to]", created_to) if created_to else None,
        is_test=params.get("filter_isTest"),
        # runyard has no bulk actions, schedules, batches, machine presets or regions: such a filter matches nothing.
        nothing=any(params.get(f"filter_{key}") for key in ("bulkAction", "schedule", "batch", "machine", "region")),
    )
    before = await _cursor(params.get("page_before"), env)
    after = None if before is not None else await _cursor(params.get("page_after"), env)
    return flt, after, before


async def trigger_task(token_info: dict[str, Any], taskIdentifier: str, body: dict[str, Any] | None = None) -> Answer:
    env = _environment(token_info)
    try:
        new = trigger.new_run(taskIdentifier, body or {}, env)
    except trigger.TriggerInputError as exc:
        return _bad_request(exc)
    try:
        submitted = await current_service().submit(new)
    except JobNotFound:
        return _error(404, f"Task not found: {taskIdentifier}")
    token = trigger.public_access_token(token_info["secret"], env, submitted.run.id)
    return ok(m.TriggerRunId(id=submitted.run.id, isCached=not submitted.created), 200, {"x-trigger-jwt": token})


async def retrieve_run(token_info: dict[str, Any], runId: str) -> Answer:
    try:
        run = await current_service().run_in_environment(runId, _environment(token_info).id)
    except RunNotFound:
        return _error(404, RUN_NOT_FOUND)
    return ok(trigger.retrieved(run))


async def cancel_run(token_info: dict[str, Any], runId: str) -> Answer:
    try:
        run = await current_service().cancel_if_unfinished(runId, _environment(token_info).id)
    except RunNotFound:
        return _error(404, RUN_NOT_FOUND)
    return ok(m.TriggerRunId(id=run.id))


async def replay_run(token_info: dict[str, Any], runId: str, body: dict[str, Any] | None = None) -> Answer:
    env = _environment(token_info)
    service = current_service()
    try:
        original = await service.run_in_environment(runId, env.id)
        new = trigger.new_run(original.job_name, body or {}, env, base=original)
        submitted = await service.submit(new)
    except RunNotFound:
        return _error(404, RUN_NOT_FOUND)
    except trigger.TriggerInputError as exc:
        return _bad_request(exc)
    except JobNotFound:
        return _error(404, f"Task not found: {original.job_name}")
    return ok(m.TriggerRunId(id=submitted.run.id))
