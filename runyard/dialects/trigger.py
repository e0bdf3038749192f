"""The Trigger.dev-compatible dialect: statuses, cursors, durations, payloads and response models."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timezone
from typing import Any

from ulid import ULID

from generated import models as m
from runyard.domain import Cursor, NewRun, Run, RunState
from runyard.store.keys import Environment
from runyard.timeutil import to_iso

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


class TriggerInputError(ValueError):
    """Input the schema lets through but the dialect cannot use; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def states_for(statuses: list[str]) -> frozenset[RunState]:
    """Every internal state shown under any of these statuses; statuses runyard never shows select none."""
    wanted = set(statuses)
    return frozenset(state for state, shown in TRIGGER_STATUS.items() if shown.value in wanted)


# --- time, durations, cursors ---------------------------------------------------------------

_DURATION = re.compile(r"([0-9]+)([wdhms])")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def duration_seconds(value: str | int | float) -> int:
    """`1h42m` -> 6120; a number is already seconds (JSON's 600.0 included)."""
    if isinstance(value, (int, float)):
        return int(value)
    return sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(value))


def time_filter_us(parameter: str, value: str) -> int:
    """Epoch milliseconds (what the SDK sends) or ISO 8601, as epoch microseconds."""
    if value.isdigit():
        return int(value) * 1000  # at most 15 digits (the spec's pattern): within a 64-bit integer
    text = value.upper().replace("Z", "+00:00")
    text = re.sub(r"(T\d\d:\d\d):60", r"\1:59", text)  # a leap second is valid RFC 3339 but not for Python
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise TriggerInputError(parameter, f"Invalid date {value!r}: use epoch milliseconds or ISO 8601") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(parsed.timestamp() * 1_000_000)


def encode_cursor(run: Run) -> str:
    """`<created_at µs>_<run id>`: the exact position in the list order. Clients pass it back untouched."""
    return f"{run.created_at}_{run.id}"


def decode_cursor(value: str) -> Cursor | str:
    """A cursor we made, or a bare run id (returned as is for the caller to look up).

    The spec's pattern has already checked the shape, so this cannot fail.
    """
    created_at, _, run_id = value.rpartition("_run_")
    if not created_at:
        return value
    return Cursor(int(created_at), "run_" + run_id)


def cursor_from_run_id(run_id: str) -> Cursor:
    """Where a run id that is not (or no longer) in the store would sit: its id carries its creation millisecond."""
    ms = int.from_bytes(ULID.from_str(run_id.removeprefix("run_").upper()).bytes[:6], "big")
    return Cursor(ms * 1000, run_id)


# --- runs -------------------------------------------------------------------------------------


def _scoped_key(env: Environment, key: str) -> str:
    # Idempotency keys are per environment; the store's are global, so the environment prefixes them.
    return f"{env.id}:{key}"


def _unscoped_key(run: Run) -> str | None:
    if run.idempotency_key is None or run.env_id is None:
        return None
    return run.idempotency_key.removeprefix(f"{run.env_id}:")


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
        "idempotencyKey": _unscoped_key(run),
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
    except ValueError:
        return payload  # text that is not JSON is the input as it is
    if payload_type == "application/super+json" and isinstance(decoded, dict):
        return decoded.get("json")
    return decoded


# The spec lets durations be as long as one likes; the store cannot. Longer ones mean "practically never":
MAX_TTL_SECONDS = 2**31 - 1  # the store keeps a TTL as a 32-bit integer (68 years)
_LAST_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc).timestamp()  # ISO 8601, as times are shown, ends with the year 9999


def _delay_seconds(delay: str | None, now: float) -> int:
    return min(_requested_delay_seconds(delay, now), int(_LAST_DUE - now))


def _requested_delay_seconds(delay: str | None, now: float) -> int:
    if delay is None:
        return 0
    if _DURATION.fullmatch(delay) or re.fullmatch(r"(?:[0-9]+[wdhms])+", delay):
        return duration_seconds(delay)
    try:
        at = datetime.fromisoformat(delay.replace("Z", "+00:00"))
    except ValueError:
        raise TriggerInputError("options.delay", f"Invalid delay {delay!r}: use a duration such as 1h or an ISO date-time") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return max(0, int(at.timestamp() - now + 0.999))


def new_run(task: str, body: dict[str, Any], env: Environment, *, base: Run | None = None) -> NewRun:
    """What a trigger (or a replay of `base`) asks for."""
    options = body.get("options", body if base is not None else {}) or {}
    payload_given = "payload" in body
    run_input = decode_payload(body.get("payload"), options.get("payloadType")) if payload_given else (base.input if base else None)
    tags = options.get("tags", list(base.tags) if base else [])
    if isinstance(tags, str):
        tags = [tags]
    key = options.get("idempotencyKey")
    ttl = options.get("ttl")
    ttl_seconds = (duration_seconds(ttl) or None) if ttl is not None else None  # a zero TTL is no TTL
    if ttl_seconds is not None:
        ttl_seconds = min(ttl_seconds, MAX_TTL_SECONDS)
    return NewRun(
        job_name=task,
        input=run_input,
        tags=tuple(dict.fromkeys(tags)),
        idempotency_key=_scoped_key(env, key) if key else None,
        delay_seconds=_delay_seconds(options.get("delay"), time.time()),
        ttl_seconds=ttl_seconds,
        max_attempts=options.get("maxAttempts"),
        env_id=env.id,
        is_test=bool(options.get("test", base.is_test if base else False)),
    )


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
