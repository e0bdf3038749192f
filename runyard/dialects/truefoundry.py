"""The TrueFoundry-compatible dialect: requests into the core's terms, answers and errors in TrueFoundry's shapes."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connexion.exceptions import BadRequestProblem, Unauthorized
from connexion.lifecycle import ConnexionResponse

from generated import models as m
from runyard.dialects import parse_model, states_shown_as
from runyard.domain import (
    Credential,
    Forbidden,
    InputTooLarge,
    InvalidInput,
    JobNotFound,
    NewRun,
    Run,
    RunConflict,
    RunFilter,
    RunNotFound,
    RunState,
    StoredJob,
    StoreUnavailable,
)
from runyard.service import JobRun, JobRunsPage
from runyard.web.problems import issues, problem_parts
from runyard.web.replies import ErrorContext, Reply, json_response, reply, unavailable_headers

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


def split_values(values: list[str] | None) -> list[str]:
    """Repeated keys and comma-separated lists alike."""
    return [part for value in values or [] for part in value.split(",") if part]


def states_for(statuses: list[str]) -> frozenset[RunState]:
    return states_shown_as(JOB_RUN_STATUS, statuses)


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


# --- requests -------------------------------------------------------------------------------


def list_filter(status: list[str] | None, triggered_by: list[str] | None, version_numbers: list[float] | None, search_prefix: str | None) -> RunFilter:
    statuses = split_values(status)
    return RunFilter(
        states=states_for(statuses) if statuses else None,
        triggered_by=tuple(split_values(triggered_by)) or None,
        job_versions=versions(version_numbers),
        search_prefix=search_prefix or None,
    )


def sort_column(sort_by: str | None) -> str | None:
    return SORT_COLUMNS.get(sort_by or "")


@dataclass(frozen=True)
class TriggerRequest:
    """Which job (and version) to run, and how to make the run once the job is known."""

    reference: str
    version: int | None
    build: Callable[[StoredJob], NewRun]


def trigger_request(body: dict[str, Any], credential: Credential) -> TriggerRequest:
    """A trigger body, read through its generated model (the contract requires applicationId or deploymentId)."""
    request = parse_model(m.TrueFoundryTriggerJobRequest, body).root
    if request.applicationId:
        reference, version = request.applicationId, None
    else:
        assert request.deploymentId is not None  # the contract's anyOf
        reference, version = parse_deployment_id(request.deploymentId)
    command = request.input.command.root if request.input and request.input.command else None
    override: tuple[str, ...] | None = None
    if isinstance(command, str):
        override = ("/bin/sh", "-c", command)
    elif command is not None:
        override = tuple(part.root for part in command)
    params = request.input.params if request.input else None

    def build(job: StoredJob) -> NewRun:
        return NewRun(
            job_name=job.name,
            input=params,
            job_version=version,
            env_id=credential.environment.id,
            triggered_by=credential.key_id,
            command_override=override,
        )

    return TriggerRequest(reference, version, build)


# --- answers --------------------------------------------------------------------------------


def _model(shown: JobRun) -> m.TrueFoundryJobRun:
    return job_run(shown.run, shown.job, command_line(shown.command))


def list_reply(page: JobRunsPage, offset: int, limit: int) -> Reply:
    data = [_model(shown) for shown in page.runs]
    return reply(m.TrueFoundryListJobRunResponse(data=data, pagination={"total": page.total, "offset": offset, "limit": limit}))


def job_run_reply(shown: JobRun) -> Reply:
    return reply(m.TrueFoundryGetJobRunResponse(data=_model(shown)))


def triggered_reply(shown: JobRun) -> Reply:
    return reply(m.TrueFoundryTriggerJobRunResponse(message="Job triggered", jobRunName=shown.run.name or shown.run.id, data=_model(shown)))


def deleted_reply(run: Run) -> Reply:
    return reply(m.TrueFoundryMessage(message=f"Job run {run.name or run.id} deleted"))


def terminated_reply(run: Run) -> Reply:
    status = JOB_RUN_STATUS[run.state]
    message = "Termination requested" if status is m.TrueFoundryJobRunStatus.TERMINATION_REQUESTED else f"Job run is {status.value}"
    return reply(m.TrueFoundryTerminateJobResponse(message=message, jobRunStatus=status))


# --- errors ---------------------------------------------------------------------------------


def _http_error(status: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> ConnexionResponse:
    body = m.TrueFoundryHttpError(statusCode=status, message=message, **extra).model_dump(mode="json", exclude_unset=True)
    return json_response(status, body, headers=headers)


def _unprocessable(message: str, details: list[dict[str, Any]]) -> ConnexionResponse:
    # TrueFoundry answers missing or invalid values with 422 and details.
    return _http_error(422, message, code="VALIDATION_ERROR", details=details)


def error_response(error: Exception, context: ErrorContext) -> ConnexionResponse:
    """Every error under /api/svc, as TrueFoundry's HttpError."""
    if isinstance(error, JobNotFound):
        shown = f"{error.reference}:{error.version}" if error.version is not None else error.reference
        return _http_error(404, f"Job not found: {shown}")
    if isinstance(error, Forbidden):
        return _http_error(403, str(error))
    if isinstance(error, InputTooLarge):
        return _http_error(413, str(error))
    if isinstance(error, StoreUnavailable):
        return _http_error(503, str(error), unavailable_headers(error))
    if isinstance(error, RunNotFound):
        return _http_error(404, f"Job run not found: {error.run_id}")
    if isinstance(error, RunConflict):
        return _http_error(409, f"Job run {error.run.name or error.run.id} is running; terminate it first")
    if isinstance(error, InvalidInput):
        return _unprocessable(str(error), [{"parameter": error.parameter, "message": str(error)}])
    if isinstance(error, BadRequestProblem):
        return _unprocessable(str(error.detail), [{"parameter": i.parameter, "message": i.message} for i in issues(error)])
    if isinstance(error, Unauthorized):
        return _http_error(401, "Missing or invalid API key")
    status, _title, detail = problem_parts(error, context)
    if status == 405:
        return json_response(405, {"statusCode": 405, "message": detail}, headers={"Allow": context.allow})
    return _http_error(status, "Not found" if status == 404 else detail)
