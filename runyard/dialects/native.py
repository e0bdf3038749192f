"""The native, PraisonAI-compatible dialect: statuses, timestamps and response models."""

from __future__ import annotations

import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from generated import models as m
from runyard.domain import Run, RunState, RunSummary
from runyard.jobs import JobDefinition, job_from_data
from runyard.store.jobs import StoredJob
from runyard.timeutil import to_iso

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

VALID_STATUSES: tuple[str, ...] = tuple(s.value for s in m.NativeStatus)

# Poll hints PraisonAI's own server gives: 2 s while queued, 5 s while running.
RETRY_AFTER: dict[m.NativeStatus, int] = {m.NativeStatus.queued: 2, m.NativeStatus.running: 5}


def states_for(status: str) -> frozenset[RunState]:
    """Every internal state shown under a native status (ValueError for an unknown one)."""
    wanted = m.NativeStatus(status)
    return frozenset(state for state, shown in NATIVE_STATUS.items() if shown is wanted)


def invalid_status_message(value: object) -> str:
    return f"Invalid status {value!r}; valid values are: {', '.join(VALID_STATUSES)}"


def retry_after(run: Run) -> int | None:
    return RETRY_AFTER.get(NATIVE_STATUS[run.state])


def list_item(summary: RunSummary) -> m.RunListItem:
    return m.RunListItem(
        job_id=summary.id,
        status=NATIVE_STATUS[summary.state],
        created_at=to_iso(summary.created_at),
        session_id=summary.session_id,
    )


def run_status(run: Run) -> m.RunStatus:
    fields: dict[str, object] = {
        "job_id": run.id,
        "status": NATIVE_STATUS[run.state],
        "progress": m.Progress(percentage=run.progress_percentage, current_step=run.progress_step),
        "created_at": to_iso(run.created_at),
    }
    # Absent values are left out rather than sent as null, as the seed's examples show.
    if run.started_at is not None:
        fields["started_at"] = to_iso(run.started_at)
    if run.completed_at is not None:
        fields["completed_at"] = to_iso(run.completed_at)
    hint = retry_after(run)
    if hint is not None:
        fields["retry_after"] = hint
    if run.error is not None and run.state.finished:
        fields["error"] = run.error
    return m.RunStatus(**fields)


def run_result(run: Run) -> m.RunResult:
    assert run.completed_at is not None, "only finished runs have a result"
    duration = None
    if run.started_at is not None:
        duration = max(0.0, (run.completed_at - run.started_at) / 1_000_000)
    return m.RunResult(
        job_id=run.id,
        status=NATIVE_STATUS[run.state],
        result=run.result,
        error=run.error,
        created_at=to_iso(run.created_at),
        completed_at=to_iso(run.completed_at),
        duration_seconds=duration,
    )


def submitted(run: Run) -> m.SubmitRunResponse:
    path = status_path(run.id)
    return m.SubmitRunResponse(
        job_id=run.id,
        status=NATIVE_STATUS[run.state],
        created_at=to_iso(run.created_at),
        poll_url=path,
        stream_url=f"{path}/stream",
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


def job(stored: StoredJob) -> m.Job:
    data = stored.definition.to_data()
    return m.Job(name=stored.name, version=stored.version, created_at=to_iso(stored.created_at), updated_at=to_iso(stored.updated_at), **data)


def job_definition(name: str, spec: dict[str, Any]) -> JobDefinition:
    """A PUT body as a definition (InvalidJob when it cannot run)."""
    return job_from_data(name, spec)


def unknown_job_message(name: str) -> str:
    return f"Unknown job {name!r}; define it in a jobs file or with PUT /api/v1/jobs/{name}"


# --- Server-Sent Events -------------------------------------------------------------------

HEARTBEAT_SECONDS = float(os.environ.get("RUNYARD_SSE_HEARTBEAT_SECONDS", "15"))


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(', ', ': '))}\n\n"


async def run_events(snapshots: AsyncIterator[Run], heartbeat_seconds: float | None = None) -> AsyncIterator[str]:
    """The native event stream of a run, from successive snapshots of it (see the spec's stream operation)."""
    heartbeat = HEARTBEAT_SECONDS if heartbeat_seconds is None else heartbeat_seconds
    last_status = last_progress = None
    quiet_since = time.monotonic()
    async for run in snapshots:
        status = NATIVE_STATUS[run.state]
        progress = (run.progress_percentage, run.progress_step)
        sent = False
        # Once the run has ended, its last progress comes before its final status.
        progress_first = run.state.finished and last_status is not None
        if progress_first and progress != last_progress:
            yield _sse("progress", {"percentage": progress[0], "current_step": progress[1]})
            last_progress, sent = progress, True
        if status != last_status:
            yield _sse("status", run_status(run).model_dump(mode="json", exclude_unset=True))
            last_status, sent = status, True
        if progress != last_progress:
            if last_progress is not None or progress != (0.0, None):
                yield _sse("progress", {"percentage": progress[0], "current_step": progress[1]})
            last_progress, sent = progress, True
        if run.state.finished:
            if run.state is RunState.SUCCEEDED:
                yield _sse("result", {"result": run.result})
            else:
                yield _sse("error", {"error": run.error or run.state.value})
            return
        now = time.monotonic()
        if sent:
            quiet_since = now
        elif now - quiet_since >= heartbeat:
            yield _sse("heartbeat", {})
            quiet_since = now
