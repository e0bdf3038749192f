"""The Trigger.dev-compatible dialect: requests into the core's terms, answers and errors in Trigger.dev's shapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connexion.exceptions import BadRequestProblem, Unauthorized
from connexion.lifecycle import ConnexionResponse

from generated import models as m
from runyard import timeutil
from runyard.dialects import parse_model, states_shown_as
from runyard.domain import (
    BatchNotFound,
    BulkActionFinished,
    BulkActionNotFound,
    Cursor,
    DeclarativeSchedule,
    Environment,
    Forbidden,
    IdempotencyKeyNotFound,
    InputTooLarge,
    InvalidInput,
    JobNotFound,
    ListedRun,
    MetadataClosed,
    NewRun,
    NotDelayed,
    Run,
    RunFilter,
    RunNotFound,
    RunState,
    ScheduleNotFound,
    StoreUnavailable,
    TooManyTags,
    Window,
)
from runyard.domain.batches import Batch, BatchFill, BatchRuns
from runyard.domain.bulk import MAX_BULK_RUN_IDS, BulkAction, BulkKind, NewBulkAction
from runyard.domain.metadata import MetadataTooLarge
from runyard.domain.schedules import DEFAULT_TIMEZONE, InvalidSchedule, NewSchedule, Schedule, ScheduleChange, describe, time_zones
from runyard.service import Position, ScheduleView, Submitted
from runyard.timeutil import DURATION, duration_seconds, now_us, to_datetime, to_iso
from runyard.web.problems import issues, problem_parts
from runyard.web.replies import ErrorContext, Reply, body_reply, json_response, page_reply, reply, unavailable_headers

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
    """An ISO 8601 / RFC 3339 date-time (runyard.timeutil.parse_datetime), InvalidInput when it is not one."""
    parsed = timeutil.parse_datetime(value)
    if parsed is None:
        raise InvalidInput(parameter, f"Invalid date {value!r}: use epoch milliseconds or ISO 8601")
    return parsed


def time_filter_us(parameter: str, value: str) -> int:
    """Epoch milliseconds (what the SDK sends) or ISO 8601, as epoch microseconds."""
    if value.isdigit():
        return int(value) * 1000  # at most 15 digits (the spec's pattern): within a 64-bit integer
    return int(parse_datetime(parameter, value).timestamp() * 1_000_000)


def encode_cursor(run: ListedRun) -> str:
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


def _common(run: Run | ListedRun) -> dict[str, Any]:
    """The fields a list item and a retrieved run share, in the generated models' order (a list page
    is encoded as it is: web/replies.page_reply), numbers the spec calls `number` as floats."""
    state = run.state
    status = TRIGGER_STATUS[state]
    # Absent values are left out: the SDK rejects null strings and turns null dates into 1970.
    fields: dict[str, Any] = {"id": run.id, "status": status, "taskIdentifier": run.job_name}
    if run.job_version is not None:
        fields["version"] = str(run.job_version)
    if run.idempotency_key is not None:
        fields["idempotencyKey"] = run.idempotency_key
    fields["isTest"] = run.is_test
    fields["createdAt"] = to_datetime(run.created_at)
    fields["updatedAt"] = to_datetime(run.updated_at)
    if run.started_at:
        fields["startedAt"] = to_datetime(run.started_at)
    if run.completed_at:
        fields["finishedAt"] = to_datetime(run.completed_at)
    if run.delayed_until:
        fields["delayedUntil"] = to_datetime(run.delayed_until)
    if run.ttl_seconds:
        fields["ttl"] = f"{run.ttl_seconds}s"
    if state is RunState.EXPIRED and run.completed_at:
        fields["expiredAt"] = to_datetime(run.completed_at)
    finished = state.finished
    fields.update(
        tags=list(run.tags),
        costInCents=0.0,
        baseCostInCents=0.0,
        durationMs=float(run.duration_ms or 0),
        isQueued=status in _QUEUED,
        isExecuting=status in _EXECUTING,
        isWaiting=False,
        isCompleted=finished,
        isSuccess=state is RunState.SUCCEEDED,
        isFailed=finished and state is not RunState.SUCCEEDED,
        isCancelled=state is RunState.CANCELLED,
    )
    if run.metadata is not None:
        fields["metadata"] = run.metadata
    if run.batch_id is not None:
        fields["batchId"] = run.batch_id
    if run.machine is not None:
        fields["machine"] = run.machine
    if run.region is not None:
        fields["region"] = run.region
    return fields


def list_item(run: ListedRun, env: Environment) -> dict[str, Any]:
    """A list item's fields, as TriggerListRunsResult would answer them (web/replies.page_reply)."""
    fields = _common(run)
    fields["env"] = {"id": env.id, "name": env.name}  # the model's last field
    return fields


def retrieved(run: Run, schedule: Schedule | None = None) -> m.TriggerRetrieveRunResponse:
    fields = _common(run)
    if schedule is not None:
        fields["schedule"] = _run_schedule(schedule)
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


MIN_MAX_DURATION_SECONDS = 5  # Trigger.dev clamps maxDuration to at least 5 s


def _refuse_unsupported(options: m.TriggerTaskOptions) -> None:
    if options.debounce is not None:
        raise InvalidInput("debounce", "runyard does not debounce triggers: leave `debounce` out")
    if options.concurrency:
        raise InvalidInput("concurrency", "runyard has no concurrency groups: use `queue` and `concurrencyKey`")


def _locked_version(options: m.TriggerTaskOptions, task: str) -> int | None:
    version = options.lockToVersion
    if version is None or version == "":
        return None
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise InvalidInput("lockToVersion", _no_version(task, version))
    return int(version)


def _no_version(task: str, version: str) -> str:
    return f"Task locked to version '{version}', but no worker found with that version."


def _new_run(task: str, options: m.TriggerTaskOptions, payload: tuple[Any] | None, env: Environment, base: Run | None) -> NewRun:
    """A trigger's run: `payload` is (value,) when one was given; `base` is the run a replay starts from."""
    _refuse_unsupported(options)
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
    machine = options.machine.root if isinstance(options.machine, m.Machine) else options.machine.preset if options.machine is not None else None
    key = options.concurrencyKey.root if isinstance(options.concurrencyKey, m.ConcurrencyKey) else options.concurrencyKey
    return NewRun(
        job_name=task,
        input=run_input,
        tags=tuple(dict.fromkeys(tags)),
        idempotency_key=options.idempotencyKey or None,  # unique within the environment (the store's column)
        idempotency_ttl_seconds=duration_seconds(options.idempotencyKeyTTL) if options.idempotencyKeyTTL else None,
        delay_seconds=_delay_seconds(delay, time.time()),
        ttl_seconds=min(ttl_seconds, MAX_TTL_SECONDS) if ttl_seconds is not None else None,
        max_attempts=options.maxAttempts,
        env_id=env.id,
        is_test=bool(options.test if options.test is not None else (base.is_test if base else False)),
        # A replay keeps what the original was triggered with, unless the replay says otherwise.
        metadata=options.metadata if options.metadata is not None else (base.metadata if base else None),
        timeout_seconds=max(MIN_MAX_DURATION_SECONDS, int(options.maxDuration))
        if options.maxDuration is not None
        else (base.timeout_seconds if base else None),
        priority=int(options.priority) if options.priority is not None else (base.priority if base else 0),
        queue_name=options.queue.name if options.queue is not None else (base.queue_name if base else None),
        queue_limit=options.queue.concurrencyLimit if options.queue is not None else None,
        concurrency_key=(key if isinstance(key, str) else f"{key:g}") if key is not None else (base.concurrency_key if base else None),
        machine=machine if machine is not None else (base.machine if base else None),
        region=options.region if options.region is not None else (base.region if base else None),
        job_version=_locked_version(options, task),
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
        schedule_id=params.get("filter_schedule"),
        batch_id=params.get("filter_batch"),
        bulk_id=params.get("filter_bulkAction"),
        # runyard has no machine presets or regions to filter by: such a filter matches nothing.
        nothing=any(params.get(f"filter_{key}") for key in ("machine", "region")),
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
    return page_reply(m.TriggerListRunsResult, {"data": [list_item(run, env) for run in window.runs], "pagination": pagination})


def triggered_reply(submitted: Submitted, secret: str, env: Environment) -> Reply:
    token = public_access_token(secret, env, submitted.run.id)
    return reply(m.TriggerRunId(id=submitted.run.id, isCached=not submitted.created), 200, {"x-trigger-jwt": token})


def run_id_reply(run: Run) -> Reply:
    return reply(m.TriggerRunId(id=run.id))


def retrieved_reply(run: Run, schedule: Schedule | None = None) -> Reply:
    return reply(retrieved(run, schedule))


# --- metadata, tags, reschedule ---------------------------------------------------------------


def metadata_reply(run: Run) -> Reply:
    return body_reply({"metadata": run.metadata or {}, "metadataType": "application/json"})


def changed_metadata_reply(run: Run) -> Reply:
    return body_reply({"metadata": run.metadata or {}})


def metadata_operations(body: Any) -> list[dict[str, Any]]:
    """The operations of an update, in order; `metadata` alone replaces the whole metadata. Parent and
    root operations apply to the run itself: runyard runs have no parent, and Trigger.dev applies them
    to a run without one the same way."""
    body = _object(body, "body")
    if any(isinstance(body.get(key), list) for key in ("operations", "parentOperations", "rootOperations")):
        return [*(body.get("operations") or []), *(body.get("parentOperations") or []), *(body.get("rootOperations") or [])]
    if isinstance(body.get("metadata"), dict):
        return [{"type": "update", "value": body["metadata"]}]
    return []


def tags_request(body: Any) -> list[str]:
    given = _object(body, "body").get("tags")
    tags = [given] if isinstance(given, str) else list(given or [])
    return [tag for tag in tags if isinstance(tag, str) and tag.strip()]  # blank tags are dropped, as Trigger.dev does


def tags_reply(added: int) -> Reply:
    message = f"Successfully set {added} new tags." if added else "No new tags to add"
    return body_reply({"message": message})


def reschedule_delay(body: Any) -> int:
    """Seconds from now until the new start: a duration, or a date-time that must lie ahead."""
    delay = _object(body, "body").get("delay")
    if isinstance(delay, str) and DURATION.fullmatch(delay):
        return _delay_seconds(delay, time.time())
    when = parse_datetime("delay", str(delay))
    if when.timestamp() <= time.time():
        raise InvalidInput("delay", f"Invalid delay: {delay}")
    return _delay_seconds(when, time.time())


def reset_task(body: Any) -> str:
    return str(_object(body, "body")["taskIdentifier"])


def idempotency_reset_reply(key: str) -> Reply:
    return body_reply({"id": key})


# --- batches --------------------------------------------------------------------------------

MAX_BATCH_ITEMS_V1 = 500  # SDK 3.x's batches (Trigger.dev's /api/v1/tasks/batch limit)


def batch_to_create(body: Any) -> tuple[int, str | None]:
    """A two-phase batch's size and idempotency key."""
    asked = parse_model(m.TriggerCreateBatch, _object(body, "body"))
    return asked.runCount, asked.idempotencyKey or None


def batch_item(item: Any, env: Environment, where: str = "") -> NewRun:
    """One batch item (`{task, payload, options}`) as a run to make, with its own options."""
    parsed = parse_model(m.TriggerBatchItem, _with_parsed_delay(_object(item, "item"), where), where.rstrip("."))
    options = parsed.options or m.TriggerTaskOptions()
    data = _object(item, "item")
    return _new_run(parsed.task, options, (data["payload"],) if "payload" in data else None, env, None)


def batch_items(body: Any, env: Environment) -> list[NewRun]:
    """A streamed batch's NDJSON lines, in index order; an invalid line refuses the batch (422, naming it)."""
    text = body.decode("utf-8", errors="strict") if isinstance(body, (bytes, bytearray)) else str(body or "")
    by_index: dict[int, NewRun] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise InvalidInput("items", f"Invalid JSON at line {number}: {exc}") from None
        index = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or index < 0:
            raise InvalidInput("items", f"Invalid item at line {number}: `index` must be a whole number from 0")
        try:
            new = batch_item({k: v for k, v in item.items() if k != "index"}, env, f"items[{index}].")
        except InvalidInput as exc:
            raise InvalidInput("items", f"Invalid item at index {index}: {exc}") from None
        by_index.setdefault(index, new)  # an index sent twice is the same item
    if by_index and sorted(by_index) != list(range(len(by_index))):
        missing = next(i for i in range(len(by_index)) if i not in by_index)
        raise InvalidInput("items", f"Item index {max(by_index)} exceeds the items sent: index {missing} is missing")
    return [by_index[i] for i in range(len(by_index))]


def batch_request_items(body: Any, env: Environment) -> list[NewRun]:
    items = _object(body, "body").get("items") or []
    return [batch_item(item, env, f"items[{i}].") for i, item in enumerate(items)]


def task_batch_items(task: str, body: Any, env: Environment) -> list[NewRun]:
    """The legacy one-task batch: each item a trigger's body (payload and options) of `task`."""
    items = _object(body, "body").get("items") or []
    return [batch_item({**_object(item, "item"), "task": task}, env, f"items[{i}].") for i, item in enumerate(items)]


def batch_v2_reply(result: BatchRuns) -> Reply:
    return body_reply({"id": result.batch.id, "runCount": result.batch.run_count}, 202)


def task_batch_reply(result: BatchRuns) -> Reply:
    return body_reply({"batchId": result.batch.id, "runs": [run_id for run_id, _, _ in result.runs]})


def _batch_token(secret: str, env: Environment, batch_id: str) -> dict[str, str]:
    return {"x-trigger-jwt": public_access_token(secret, env, batch_id, scope=f"read:batch:{batch_id}")}


def created_batch_reply(batch: Batch, created: bool, secret: str, env: Environment) -> Reply:
    body: dict[str, Any] = {"id": batch.id, "runCount": batch.run_count, "isCached": not created}
    if batch.idempotency_key is not None:
        body["idempotencyKey"] = batch.idempotency_key
    return body_reply(body, 202, _batch_token(secret, env, batch.id))


def batch_items_reply(fill: BatchFill) -> Reply:
    body: dict[str, Any] = {
        "id": fill.batch.id,
        "itemsAccepted": fill.accepted,
        "itemsDeduplicated": fill.deduplicated,
        "sealed": fill.sealed,
        "runCount": fill.batch.run_count,
    }
    if not fill.sealed:
        body.update(enqueuedCount=0, expectedCount=fill.batch.run_count)
    return body_reply(body)


def _batch_common(batch: Batch) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": batch.id,
        "status": batch.status.value,
        "createdAt": to_iso(batch.created_at),
        "updatedAt": to_iso(batch.updated_at),
        "runCount": batch.run_count,
    }
    if batch.idempotency_key is not None:
        body["idempotencyKey"] = batch.idempotency_key
    return body


def batch_reply(batch: Batch) -> Reply:
    processing: dict[str, Any] = {"errors": []}
    if batch.completed_at is not None:
        processing["completedAt"] = to_iso(batch.completed_at)
    return body_reply({**_batch_common(batch), "runs": list(batch.run_ids), "processing": processing})


def batch_v1_reply(batch: Batch) -> Reply:
    return body_reply(_batch_common(batch))


def batch_triggered_reply(result: BatchRuns, secret: str, env: Environment) -> Reply:
    body: dict[str, Any] = {
        "id": result.batch.id,
        "isCached": not result.created,
        "runs": [{"id": run_id, "taskIdentifier": task, "isCached": not made} for run_id, task, made in result.runs],
    }
    if result.batch.idempotency_key is not None:
        body["idempotencyKey"] = result.batch.idempotency_key
    return body_reply(body, 202, _batch_token(secret, env, result.batch.id))


# --- bulk actions ---------------------------------------------------------------------------


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def bulk_request(body: Any, env: Environment) -> NewBulkAction:
    """A bulk action to create: over a runs.list filter (read as the list reads its parameters), or ids."""
    asked = parse_model(m.TriggerCreateBulkAction, _object(body, "body"))
    if (asked.filter is None) == (asked.runIds is None):
        raise InvalidInput("bulk", "Exactly one of filter or runIds must be provided")
    kind = BulkKind.CANCEL if asked.action.value == "cancel" else BulkKind.REPLAY
    if asked.runIds is not None:
        if len(asked.runIds) > MAX_BULK_RUN_IDS:
            raise InvalidInput("bulk", f"Too many runIds ({len(asked.runIds)}). Maximum is {MAX_BULK_RUN_IDS}. Use a filter to select more runs.")
        return NewBulkAction(env_id=env.id, kind=kind, name=asked.name, run_ids=tuple(run_id.root for run_id in asked.runIds))
    given = _object(body, "body")["filter"]
    params: dict[str, Any] = {}
    for key in ("status", "taskIdentifier", "version", "tag", "machine", "region"):
        if key in given:
            params[f"filter_{key}"] = _as_list(given[key])
    for key in ("schedule", "batch", "bulkAction", "isTest"):
        if key in given:
            params[f"filter_{key}"] = given[key]
    for key, name in (("from", "filter_createdAt_from"), ("to", "filter_createdAt_to"), ("period", "filter_createdAt_period")):
        if key in given:
            value = given[key]
            # JSON Schema counts 5.0 as an integer, so epoch milliseconds may arrive as a float.
            params[name] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    if "queue" in given:
        queues = given["queue"] if isinstance(given["queue"], list) else [given["queue"]]
        params["filter_queue"] = [f"task/{q.get('name')}" if q.get("type") == "task" else str(q.get("name")) for q in queues if isinstance(q, dict)]
    return NewBulkAction(env_id=env.id, kind=kind, name=asked.name, filter=list_request(params, env).filter)


def bulk_id_reply(action: BulkAction) -> Reply:
    return body_reply({"id": action.id}, 202)


def _bulk_object(action: BulkAction) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": action.id,
        "type": action.kind.value,
        "status": action.status.value,
        "counts": {"total": action.total, "success": action.success, "failure": action.failure},
        "createdAt": to_iso(action.created_at),
    }
    if action.name is not None:
        shown["name"] = action.name
    if action.completed_at is not None:
        shown["completedAt"] = to_iso(action.completed_at)
    return shown


def bulk_reply(action: BulkAction) -> Reply:
    return body_reply(_bulk_object(action))


def bulk_cursor(value: str | None) -> tuple[int, str] | None:
    """A list cursor we made: `<created_at µs>_<bulk id>` (the spec's pattern has checked it)."""
    if not value:
        return None
    created_at, _, rest = value.partition("_")
    return int(created_at), rest


def bulk_list_reply(page: tuple[list[BulkAction], bool, bool]) -> Reply:
    actions, older, newer = page
    pagination: dict[str, str] = {}
    if actions and older:
        pagination["next"] = f"{actions[-1].created_at}_{actions[-1].id}"
    if actions and newer:
        pagination["previous"] = f"{actions[0].created_at}_{actions[0].id}"
    return body_reply({"data": [_bulk_object(a) for a in actions], "pagination": pagination})


def aborted_reply(action: BulkAction) -> Reply:
    return body_reply({"id": action.id})


# --- schedules ------------------------------------------------------------------------------


def _generator(schedule: Schedule) -> dict[str, str]:
    return {"type": "CRON", "expression": schedule.cron, "description": describe(schedule.cron)}


def _run_schedule(schedule: Schedule) -> dict[str, Any]:
    """A run's `schedule` (RunScheduleDetails): the schedule that fired it."""
    details: dict[str, Any] = {"id": schedule.id, "generator": _generator(schedule)}
    if schedule.external_id is not None:
        details["externalId"] = schedule.external_id
    if schedule.deduplication_key is not None:
        details["deduplicationKey"] = schedule.deduplication_key
    return details


def environment_type(name: str) -> str:
    """Trigger.dev's environment type for one of runyard's environment names."""
    for prefix, kind in (("dev", "DEVELOPMENT"), ("stag", "STAGING"), ("preview", "PREVIEW")):
        if name.startswith(prefix):
            return kind
    return "PRODUCTION"


def _window_refused(window: str | None) -> None:
    if window is not None:
        raise InvalidInput("window", "runyard does not spread schedules within a window: leave `window` out (each run is created at its due time)")


def new_schedule(body: dict[str, Any], env: Environment) -> NewSchedule:
    """schedules.create's body as the core's schedule, in the key's environment."""
    asked = parse_model(m.TriggerCreateScheduleRequest, body)
    _window_refused(asked.window)
    return NewSchedule(
        env_id=env.id,
        job_name=asked.task,
        cron=asked.cron,
        timezone=asked.timezone or DEFAULT_TIMEZONE,
        external_id=asked.externalId or None,  # Trigger.dev keeps an empty externalId as none
        deduplication_key=asked.deduplicationKey or None,
    )


def schedule_change(body: dict[str, Any]) -> ScheduleChange:
    asked = parse_model(m.TriggerUpdateScheduleRequest, body)
    _window_refused(asked.window)
    return ScheduleChange(job_name=asked.task, cron=asked.cron, timezone=asked.timezone or DEFAULT_TIMEZONE, external_id=asked.externalId or None)


def schedule_object(view: ScheduleView, environment: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
    """Trigger.dev's ScheduleObject; `environment` is the item of `environments` each operation shows."""
    schedule = view.schedule
    next_run = to_iso(view.next_run) if view.next_run is not None else None
    shown: dict[str, Any] = {
        "id": schedule.id,
        "type": "DECLARATIVE" if schedule.declarative else "IMPERATIVE",
        "task": schedule.job_name,
        "active": schedule.active,
        "generator": _generator(schedule),
        "timezone": schedule.timezone,
        "nextRun": next_run,
        "nextRunEffectiveAt": next_run,
        "environments": [environment],
    }
    if schedule.deduplication_key is not None:
        shown["deduplicationKey"] = schedule.deduplication_key
    if schedule.external_id is not None or listed:
        shown["externalId"] = schedule.external_id  # a list shows null, one schedule leaves it out
    return m.TriggerSchedule.model_validate(shown).model_dump(mode="json", exclude_unset=True)


def schedule_reply(view: ScheduleView, *, changed: bool = False) -> Reply:
    """One schedule: created or updated ones show `{id, shortcode, type}`, others `{id, type}`."""
    env = view.environment
    item: dict[str, Any] = {"id": env.id, "type": environment_type(env.name)}
    if changed:
        item["shortcode"] = env.name
    return body_reply(schedule_object(view, item))


def schedules_reply(listed: tuple[list[ScheduleView], int], page: int, per_page: int) -> Reply:
    views, total = listed
    data = [schedule_object(v, {"id": v.environment.id, "type": environment_type(v.environment.name), "slug": v.environment.name}, listed=True) for v in views]
    pagination = {"currentPage": page, "totalPages": -(-total // per_page), "count": total}
    return body_reply({"data": data, "pagination": pagination})


def deleted_schedule_reply(schedule: Schedule) -> Reply:
    return body_reply({"id": schedule.id})


def timezones_reply(exclude_utc: str | None) -> Reply:
    return body_reply({"timezones": time_zones(exclude_utc=exclude_utc == "true")})


# --- errors ---------------------------------------------------------------------------------


SCHEDULES_PATH = "/trigger/api/v1/schedules"
# Valid requests runyard cannot carry out as asked: Trigger.dev's 422 `{error}`.
UNPROCESSABLE_PARAMETERS = ("window", "deduplication_key", "debounce", "concurrency", "lockToVersion", "items")


def _bad_request(context: ErrorContext, details: list[dict[str, Any]]) -> ConnexionResponse:
    if (context.path.startswith(SCHEDULES_PATH) or context.path.endswith("/tags")) and context.method != "GET":
        return json_response(400, {"error": "Invalid request body", "issues": details})  # those routes' shape in Trigger.dev
    # Trigger.dev labels a bad query "Query Error"; a bad body, "Invalid request body".
    label = "Query Error" if context.method == "GET" else "Invalid request body"
    return json_response(400, {"error": label, "details": details})


def _schedule_error(error: Exception, context: ErrorContext) -> ConnexionResponse | None:
    """Errors of the schedules routes, as Trigger.dev's schedule services word them (422 `{error}`)."""
    if isinstance(error, ScheduleNotFound):
        return _error(404, "Schedule not found")
    if isinstance(error, DeclarativeSchedule):
        verb = {"PUT": "update", "DELETE": "delete"}.get(context.method, "activate or deactivate")
        return _error(422, f"Cannot {verb} a declarative schedule")
    if isinstance(error, InvalidSchedule):
        if error.field == "timezone":
            return _error(422, f"Invalid IANA timezone: '{error.value}'. View the list of valid timezones at /trigger/api/v1/timezones")
        text = str(error)
        return _error(422, text if text.startswith("Invalid cron expression") else f"Invalid cron expression: {text}")
    if isinstance(error, JobNotFound) and context.path.startswith(SCHEDULES_PATH):
        return _error(422, f"Task with identifier {error.reference} not found in project.")
    if isinstance(error, InvalidInput) and error.parameter in UNPROCESSABLE_PARAMETERS:
        return _error(422, str(error))
    if isinstance(error, JobNotFound) and error.version is not None:
        return _error(422, _no_version(error.reference, str(error.version)))
    if isinstance(error, MetadataTooLarge):
        return _error(413, str(error))
    if isinstance(error, (MetadataClosed, TooManyTags)):
        return _error(422, str(error))
    if isinstance(error, NotDelayed):
        return _error(400, str(error))
    if isinstance(error, InvalidInput) and error.parameter == "delay" and context.path.endswith("/reschedule"):
        return _error(400, str(error) if str(error).startswith("Invalid delay") else f"Invalid delay: {error}")
    if isinstance(error, IdempotencyKeyNotFound):
        return _error(404, str(error))
    return None


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return json_response(status, m.TriggerError(error=message).model_dump(mode="json"), headers=headers)


def error_response(error: Exception, context: ErrorContext) -> ConnexionResponse:
    """Every error under /trigger, in Trigger.dev's shapes: `{error}` and ErrorWithDetailsResponse."""
    scheduled = _schedule_error(error, context)
    if scheduled is not None:
        return scheduled
    if isinstance(error, RunNotFound):
        return _error(404, "Run not found")
    if isinstance(error, BatchNotFound):
        return _error(404, "Batch not found")
    if isinstance(error, BulkActionNotFound):
        return _error(404, "Not found")
    if isinstance(error, BulkActionFinished):
        return _error(409, str(error))
    if isinstance(error, InvalidInput) and error.parameter == "bulk":
        return _error(400, str(error))
    if isinstance(error, JobNotFound):
        return _error(404, f"Task not found: {error.reference}")
    if isinstance(error, Forbidden):
        return _error(403, str(error))
    if isinstance(error, InputTooLarge):
        return _error(413, str(error))
    if isinstance(error, StoreUnavailable):
        return _error(503, str(error), unavailable_headers(error))
    if isinstance(error, InvalidInput):
        return _bad_request(context, [{"code": "custom", "message": str(error), "path": [error.parameter]}])
    if isinstance(error, BadRequestProblem):
        found = issues(error)
        return _bad_request(context, [{"code": i.code, "message": i.message, "path": [i.parameter] if i.parameter else []} for i in found])
    if isinstance(error, Unauthorized):
        return _error(401, "Invalid or Missing API key")
    status, _title, detail = problem_parts(error, context)
    if status == 405:
        return _error(405, detail, {"Allow": context.allow})
    return _error(status, "Not found" if status == 404 else detail)


# --- the run token the SDK exposes as publicAccessToken -------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_access_token(secret: str, env: Environment, run_id: str, lifetime_seconds: int = 3600, scope: str | None = None) -> str:
    """An HS256 JWT, signed with the caller's own key, allowing to read this one run (or what `scope` names)."""
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT"}
    claims = {"sub": env.id, "pub": True, "scopes": [scope or f"read:runs:{run_id}"], "iat": now, "exp": now + lifetime_seconds}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"
