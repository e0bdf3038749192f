"""The Trigger.dev-compatible dialect: requests into the core's terms, answers and errors in Trigger.dev's shapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connexion.exceptions import BadRequestProblem, Unauthorized
from connexion.lifecycle import ConnexionResponse

from generated import models as m
from runyard.dialects import parse_model, states_shown_as
from runyard.domain import (
    Cursor,
    Environment,
    Forbidden,
    InputTooLarge,
    InvalidInput,
    JobNotFound,
    NewRun,
    Run,
    RunFilter,
    RunNotFound,
    RunState,
    StoreUnavailable,
    Window,
)
from runyard.service import Position, Submitted
from runyard.timeutil import DURATION, duration_seconds, now_us, to_iso
from runyard.web.problems import issues, problem_parts
from runyard.web.replies import ErrorContext, Reply, json_response, reply, unavailable_headers

TRIGGER_STATUS: dict[RunState, m.TriggerStatus] = {
    RunState.DELAYED: m.TriggerStatus.DELAYED,
    RunState.QUEUED: m.TriggerStatus.QUEUED,
    RunState.RETRYING: m.TriggerStatus.QUEUED,
    RunState.RUNNING: m.TriggerStatus.EXECUTING,
    RunState.CANCELLING: m.TriggerStatus.EXECUTING,
    RunState.SUCCEEDED: m.TriggerStatus.COMPLETED,
    RunState.FAILED: m.TriggerStatus.FAILED,
    RunState.TIMED_OUT: m.TriggerStatus.TIMED_OUT,
    RunState.CRASHED: m.TriggerStatus.CRASHED,
    RunState.SYSTEM_FAILURE: m.TriggerStatus.SYSTEM_FAILURE,
    RunState.CANCELLED: m.TriggerStatus.CANCELED,
    RunState.EXPIRED: m.TriggerStatus.EXPIRED,
}

_QUEUED = {m.TriggerStatus.QUEUED, m.TriggerStatus.DELAYED}
_EXECUTING = {m.TriggerStatus.EXECUTING}


def states_for(statuses: list[str]) -> frozenset[RunState]:
    return states_shown_as(TRIGGER_STATUS, statuses)


# --- time, durations, cursors ---------------------------------------------------------------


def parse_datetime(parameter: str, value: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time (either case of `T` and `Z`, a leap second, UTC when no offset is given)."""
    text = value.upper().replace("Z", "+00:00")
    text = re.sub(r"(T\d\d:\d\d):60", r"\1:59", text)  # a leap second is valid RFC 3339 but not for Python
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(parameter, f"Invalid date {value!r}: use epoch milliseconds or ISO 8601") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def time_filter_us(parameter: str, value: str) -> int:
    """Epoch milliseconds (what the SDK sends) or ISO 8601, as epoch microseconds."""
    if value.isdigit():
        return int(value) * 1000  # at most 15 digits (the spec's pattern): within a 64-bit integer
    return int(parse_datetime(parameter, value).timestamp() * 1_000_000)


def encode_cursor(run: Run) -> str:
    """`<created_at µs>_<run id>`: the exact position in the list order. Clients pass it back untouched."""
    return f"{run.created_at}_{run.id}"


def decode_cursor(value: str) -> Position:
    """A cursor we made, or a bare run id (returned as is for the caller to look up).

    The spec's pattern has already checked the shape, so this cannot fail.
    """
    created_at, _, run_id = value.rpartition("_run_")
    if not created_at:
        return value
    return Cursor(int(created_at), "run_" + run_id)


# --- runs -------------------------------------------------------------------------------------


def _common(run: Run) -> dict[str, Any]:
    status = TRIGGER_STATUS[run.state]
    fields: dict[str, Any] = {
        "id": run.id,
        "status": status,
        "taskIdentifier": run.job_name,
        "isTest": run.is_test,
        "createdAt": to_iso(run.created_at),
        "updatedAt": to_iso(run.updated_at),
        "tags": list(run.tags),
        "costInCents": 0,
        "baseCostInCents": 0,
        "durationMs": run.duration_ms or 0,
        "isQueued": status in _QUEUED,
        "isExecuting": status in _EXECUTING,
        "isWaiting": False,
        "isCompleted": run.state.finished,
        "isSuccess": run.state is RunState.SUCCEEDED,
        "isFailed": run.state.finished and run.state is not RunState.SUCCEEDED,
        "isCancelled": run.state is RunState.CANCELLED,
    }
    # Absent values are left out: the SDK rejects null strings and turns null dates into 1970.
    optional = {
        "version": str(run.job_version) if run.job_version is not None else None,
        "idempotencyKey": run.idempotency_key,
        "startedAt": to_iso(run.started_at) if run.started_at else None,
        "finishedAt": to_iso(run.completed_at) if run.completed_at else None,
        "delayedUntil": to_iso(run.delayed_until) if run.delayed_until else None,
        "ttl": f"{run.ttl_seconds}s" if run.ttl_seconds else None,
        "expiredAt": to_iso(run.completed_at) if run.state is RunState.EXPIRED and run.completed_at else None,
    }
    fields.update({k: v for k, v in optional.items() if v is not None})
    return fields


def list_item(run: Run, env: Environment) -> m.TriggerListRunItem:
    return m.TriggerListRunItem(**_common(run), env=m.TriggerEnv(id=env.id, name=env.name))


def retrieved(run: Run) -> m.TriggerRetrieveRunResponse:
    fields = _common(run)
    fields.update(depth=0, triggerFunction="trigger", relatedRuns={}, attempts=[], attemptCount=run.attempt)
    # Like every absent value, no input (or no result) is left out rather than sent as null.
    if run.input is not None:
        fields["payload"] = run.input
    if run.state is RunState.SUCCEEDED and run.result is not None:
        fields["output"] = run.result
    if run.state.finished and run.state is not RunState.SUCCEEDED and run.error:
        fields["error"] = {"message": run.error}
    return m.TriggerRetrieveRunResponse(**fields)


def decode_payload(payload: Any, payload_type: str | None) -> Any:
    """The run's input from a trigger's payload: SuperJSON's `json` part, parsed JSON text, or the value itself."""
    if not isinstance(payload, str) or payload_type == "text/plain":
        return payload
    try:
        decoded = json.loads(payload)
    except (ValueError, RecursionError):
        return payload  # text that is not JSON (or nests past the stack) is the input as it is
    if payload_type == "application/super+json" and isinstance(decoded, dict):
        return decoded.get("json")
    return decoded


# The spec lets durations be as long as one likes; the store cannot. Longer ones mean "practically never":
MAX_TTL_SECONDS = 2**31 - 1  # the store keeps a TTL as a 32-bit integer (68 years)
_LAST_DUE = datetime(9999, 12, 31, tzinfo=UTC).timestamp()  # ISO 8601, as times are shown, ends with the year 9999


def _delay_seconds(delay: Any, now: float) -> int:
    """Seconds until a delay (a duration, or a date-time to start at) is over; capped where times end."""
    if delay is None:
        return 0
    if isinstance(delay, datetime):
        seconds = max(0, int(delay.timestamp() - now + 0.999))
    else:
        seconds = duration_seconds(delay)
    return min(seconds, int(_LAST_DUE - now))


def _with_parsed_delay(options: dict[str, Any], where: str) -> dict[str, Any]:
    """The options with a date-time `delay` read by the dialect's one date parser (durations stay text)."""
    delay = options.get("delay")
    if isinstance(delay, str) and not DURATION.fullmatch(delay):
        return {**options, "delay": parse_datetime(f"{where}delay", delay)}
    return options


def _object(value: Any, parameter: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(parameter, f"Invalid {parameter}: expected an object")
    return value


def _new_run(task: str, options: m.TriggerTaskOptions, payload: tuple[Any] | None, env: Environment, base: Run | None) -> NewRun:
    """A trigger's run: `payload` is (value,) when one was given; `base` is the run a replay starts from."""
    payload_type = options.payloadType.value if options.payloadType else None
    run_input = decode_payload(payload[0], payload_type) if payload else (base.input if base else None)
    given = options.tags.root if options.tags is not None else None
    if given is None:
        tags = list(base.tags) if base else []
    else:
        tags = [given] if isinstance(given, str) else [tag.root for tag in given]
    ttl = options.ttl.root if options.ttl is not None else None
    ttl_seconds = (duration_seconds(ttl) or None) if ttl is not None else None  # a zero TTL is no TTL
    delay = options.delay.root if isinstance(options.delay, m.Delay) else options.delay
    return NewRun(
        job_name=task,
        input=run_input,
        tags=tuple(dict.fromkeys(tags)),
        idempotency_key=options.idempotencyKey or None,  # unique within the environment (the store's column)
        delay_seconds=_delay_seconds(delay, time.time()),
        ttl_seconds=min(ttl_seconds, MAX_TTL_SECONDS) if ttl_seconds is not None else None,
        max_attempts=options.maxAttempts,
        env_id=env.id,
        is_test=bool(options.test if options.test is not None else (base.is_test if base else False)),
    )


def trigger_request(task: str, body: dict[str, Any] | None, env: Environment) -> NewRun:
    """What a trigger asks for."""
    data = _object(body, "body")
    options = parse_model(m.TriggerTaskOptions, _with_parsed_delay(_object(data.get("options"), "options"), "options."), "options")
    return _new_run(task, options, (data["payload"],) if "payload" in data else None, env, None)


def replay_request(body: dict[str, Any] | None, env: Environment) -> Callable[[Run], NewRun]:
    """What a replay asks for, given the original: its options flat in the body (or under `options`)."""
    data = _object(body, "body")
    raw = _object(data.get("options"), "options") if "options" in data else {k: v for k, v in data.items() if k != "payload"}
    options = parse_model(m.TriggerTaskOptions, _with_parsed_delay(raw, "options."), "options")
    payload = (data["payload"],) if "payload" in data else None
    return lambda original: _new_run(original.job_name, options, payload, env, original)


@dataclass(frozen=True)
class ListRequest:
    filter: RunFilter
    limit: int
    after: Position | None
    before: Position | None


def list_request(params: dict[str, Any], env: Environment) -> ListRequest:
    """The filter and cursors of a list request (connexion names `filter[x]` as `filter_x`)."""
    created_from = params.get("filter_createdAt_from")
    created_to = params.get("filter_createdAt_to")
    period = params.get("filter_createdAt_period")
    lower = [time_filter_us("filter[createdAt][from]", created_from)] if created_from else []
    if period:
        lower.append(now_us() - duration_seconds(period) * 1_000_000)
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
        states=states_for(statuses) if statuses else None,
        job_names=tuple(tasks) if tasks or queues else None,
        job_versions=tuple(int(v) for v in versions if v.isascii() and v.isdigit() and len(v) <= 9) if versions else None,
        tags=tuple(params["filter_tag"]) if params.get("filter_tag") else None,
        created_from=max(0, *lower) if lower else None,
        created_to=time_filter_us("filter[createdAt][to]", created_to) if created_to else None,
        is_test=params.get("filter_isTest"),
        # runyard has no bulk actions, schedules, batches, machine presets or regions: such a filter matches nothing.
        nothing=any(params.get(f"filter_{key}") for key in ("bulkAction", "schedule", "batch", "machine", "region")),
    )
    before = decode_cursor(params["page_before"]) if params.get("page_before") else None
    after = decode_cursor(params["page_after"]) if params.get("page_after") and before is None else None
    return ListRequest(flt, int(params.get("page_size", 25)), after, before)


# --- answers --------------------------------------------------------------------------------


def list_reply(window: Window, env: Environment) -> Reply:
    pagination: dict[str, str] = {}
    if window.runs and window.has_older:
        pagination["next"] = encode_cursor(window.runs[-1])
    if window.runs and window.has_newer:
        pagination["previous"] = encode_cursor(window.runs[0])
    return reply(m.TriggerListRunsResult(data=[list_item(run, env) for run in window.runs], pagination=pagination))


def triggered_reply(submitted: Submitted, secret: str, env: Environment) -> Reply:
    token = public_access_token(secret, env, submitted.run.id)
    return reply(m.TriggerRunId(id=submitted.run.id, isCached=not submitted.created), 200, {"x-trigger-jwt": token})


def run_id_reply(run: Run) -> Reply:
    return reply(m.TriggerRunId(id=run.id))


def retrieved_reply(run: Run) -> Reply:
    return reply(retrieved(run))


# --- errors ---------------------------------------------------------------------------------


def _bad_request(method: str, details: list[dict[str, Any]]) -> ConnexionResponse:
    # Trigger.dev labels a bad query "Query Error"; a bad body, "Invalid request body".
    label = "Query Error" if method == "GET" else "Invalid request body"
    return json_response(400, {"error": label, "details": details})


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return json_response(status, m.TriggerError(error=message).model_dump(mode="json"), headers=headers)


def error_response(error: Exception, context: ErrorContext) -> ConnexionResponse:
    """Every error under /trigger, in Trigger.dev's shapes: `{error}` and ErrorWithDetailsResponse."""
    if isinstance(error, RunNotFound):
        return _error(404, "Run not found")
    if isinstance(error, JobNotFound):
        return _error(404, f"Task not found: {error.reference}")
    if isinstance(error, Forbidden):
        return _error(403, str(error))
    if isinstance(error, InputTooLarge):
        return _error(413, str(error))
    if isinstance(error, StoreUnavailable):
        return _error(503, str(error), unavailable_headers(error))
    if isinstance(error, InvalidInput):
        return _bad_request(context.method, [{"code": "custom", "message": str(error), "path": [error.parameter]}])
    if isinstance(error, BadRequestProblem):
        found = issues(error)
        return _bad_request(context.method, [{"code": i.code, "message": i.message, "path": [i.parameter] if i.parameter else []} for i in found])
    if isinstance(error, Unauthorized):
        return _error(401, "Invalid or Missing API key")
    status, _title, detail = problem_parts(error, context)
    if status == 405:
        return _error(405, detail, {"Allow": context.allow})
    return _error(status, "Not found" if status == 404 else detail)


# --- the run token the SDK exposes as publicAccessToken -------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_access_token(secret: str, env: Environment, run_id: str, lifetime_seconds: int = 3600) -> str:
    """An HS256 JWT, signed with the caller's own key, allowing to read this one run."""
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": env.id, "pub": True, "scopes": [f"read:runs:{run_id}"], "iat": now, "exp": now + lifetime_seconds}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"
