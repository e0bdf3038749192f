"""The TrueFoundry-compatible dialect: job run statuses, sorting, and JobRun models."""

from __future__ import annotations

import shlex
from typing import Any

from generated import models as m
from runyard.domain import NewRun, Run, RunState
from runyard.store.jobs import StoredJob
from runyard.store.keys import Credential

JOB_RUN_STATUS: dict[RunState, m.TrueFoundryJobRunStatus] = {
    RunState.DELAYED: m.TrueFoundryJobRunStatus.SCHEDULED,
    RunState.QUEUED: m.TrueFoundryJobRunStatus.CREATED,
    RunState.RUNNING: m.TrueFoundryJobRunStatus.RUNNING,
    RunState.RETRYING: m.TrueFoundryJobRunStatus.RUNNING,
    RunState.CANCELLING: m.TrueFoundryJobRunStatus.TERMINATION_REQUESTED,
    RunState.SUCCEEDED: m.TrueFoundryJobRunStatus.FINISHED,
    RunState.FAILED: m.TrueFoundryJobRunStatus.FAILED,
    RunState.TIMED_OUT: m.TrueFoundryJobRunStatus.FAILED,
    RunState.CRASHED: m.TrueFoundryJobRunStatus.FAILED,
    RunState.SYSTEM_FAILURE: m.TrueFoundryJobRunStatus.FAILED,
    RunState.CANCELLED: m.TrueFoundryJobRunStatus.TERMINATED,
    RunState.EXPIRED: m.TrueFoundryJobRunStatus.TERMINATED,
}

# sortBy -> the runs column it orders by (default: creation time).
SORT_COLUMNS = {
    "startTime": "started_at",
    "duration": "duration_ms",
    "deploymentVersion": "job_version",
    "triggeredBy": "triggered_by",
    "status": "shown_status",  # the status a client sees, not the internal state
}


class TrueFoundryInputError(ValueError):
    """A request the schema allows but the dialect cannot act on (answered 422)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


def split_values(values: list[str] | None) -> list[str]:
    """Repeated keys and comma-separated lists alike."""
    return [part for value in values or [] for part in value.split(",") if part]


def states_for(statuses: list[str]) -> frozenset[RunState]:
    wanted = set(statuses)
    return frozenset(state for state, shown in JOB_RUN_STATUS.items() if shown.value in wanted)


def versions(numbers: list[float] | None) -> tuple[int, ...] | None:
    """Version numbers as the SDK sends them (floats); a fractional one matches no version."""
    if not numbers:
        return None
    return tuple(int(n) for n in numbers if float(n).is_integer() and 0 <= n < 2**31)


def deployment_id(job: StoredJob, version: int | None) -> str:
    return f"{job.id}:{version if version is not None else job.version}"


def parse_deployment_id(value: str) -> tuple[str, int | None]:
    """(job id or name, version or None) from `<job id>:<version>`, or a bare job id or name."""
    job, sep, version = value.rpartition(":")
    if sep and version.isdigit():
        return job, int(version)
    return value, None


def command_line(argv: list[str]) -> str:
    return shlex.join(argv)


def job_run(run: Run, job: StoredJob, command: str) -> m.TrueFoundryJobRun:
    subject = None
    if run.triggered_by:
        subject = m.TrueFoundrySubject(subjectId=run.triggered_by, subjectType="serviceaccount", subjectSlug=run.triggered_by)
    return m.TrueFoundryJobRun(
        id=run.id,
        name=run.name or run.id,
        applicationName=run.job_name,
        applicationId=job.id,
        deploymentVersion=str(run.job_version if run.job_version is not None else job.version),
        deploymentId=deployment_id(job, run.job_version),
        createdAt=run.created_at // 1000,
        endTime=run.completed_at // 1000 if run.completed_at else None,
        duration=run.duration_ms // 1000 if run.duration_ms is not None else None,
        command=command,
        totalRetries=max(0, run.attempt - 1),
        error=run.error if run.state.finished else None,
        status=JOB_RUN_STATUS[run.state],
        triggeredBy=run.triggered_by,
        triggeredBySubject=subject,
        exitCode=run.exit_code if run.state.finished else None,
    )


def new_run(job: StoredJob, version: int | None, body: dict[str, Any], credential: Credential) -> NewRun:
    run_input = body.get("input") or {}
    command = run_input.get("command")
    override: tuple[str, ...] | None = None
    if isinstance(command, str):
        override = ("/bin/sh", "-c", command)
    elif isinstance(command, list):
        override = tuple(command)
    return NewRun(
        job_name=job.name,
        input=run_input.get("params"),
        job_version=version,
        env_id=credential.environment.id,
        triggered_by=credential.key_id,
        command_override=override,
    )
