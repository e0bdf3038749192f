"""TrueFoundry-compatible job runs under /api/svc/v1/jobs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from generated import models as m
from handlers._respond import Answer, ok
from runyard.context import current_service
from runyard.dialects import truefoundry as tf
from runyard.domain import RunConflict, RunFilter, RunNotFound
from runyard.service import JobForbidden, JobNotFound
from runyard.store.jobs import StoredJob
from runyard.store.keys import Credential


def _credential(token_info: dict[str, Any]) -> Credential:
    return Credential(token_info["key_id"], token_info["environment"])


def _error(status: int, message: str, **extra: Any) -> Answer:
    return ok(m.TrueFoundryHttpError(statusCode=status, message=message, **extra), status)


async def _guarded(answer: Callable[[], Awaitable[Answer]], job: str, run: str | None = None) -> Answer:
    """`answer()`, or TrueFoundry's HttpError for an unknown or forbidden job, an unknown run, a running run."""
    try:
        return await answer()
    except JobNotFound:
        return _error(404, f"Job not found: {job}")
    except JobForbidden as exc:
        return _error(403, str(exc))
    except RunNotFound:
        return _error(404, f"Job run not found: {run}")
    except RunConflict:
        return _error(409, f"Job run {run} is running; terminate it first")


async def _job(token_info: dict[str, Any], reference: str) -> StoredJob:
    return await current_service().visible_job(reference, _credential(token_info).environment)


async def _job_run(job: StoredJob, run) -> m.TrueFoundryJobRun:
    commands = await current_service().commands([run])
    return tf.job_run(run, job, tf.command_line(commands[run.id]))


async def list_job_runs(
    token_info: dict[str, Any],
    jobId: str,
    limit: int = 100,
    offset: int = 0,
    searchPrefix: str | None = None,
    sortBy: str | None = None,
    order: str | None = None,
    triggeredBy: list[str] | None = None,
    status: list[str] | None = None,
    versionNumbers: list[float] | None = None,
) -> Answer:
    return await _guarded(lambda: _list_job_runs(token_info, jobId, limit, offset, searchPrefix, sortBy, order, triggeredBy, status, versionNumbers), jobId)


async def _list_job_runs(
    token_info: dict[str, Any],
    jobId: str,
    limit: int,
    offset: int,
    searchPrefix: str | None,
    sortBy: str | None,
    order: str | None,
    triggeredBy: list[str] | None,
    status: list[str] | None,
    versionNumbers: list[float] | None,
) -> Answer:
    service = current_service()
    job = await _job(token_info, jobId)
    statuses = tf.split_values(status)
    flt = RunFilter(
        env_id=_credential(token_info).environment.id,
        states=tf.states_for(statuses) if statuses else None,
        triggered_by=tuple(tf.split_values(triggeredBy)) or None,
        job_versions=tf.versions(versionNumbers),
        search_prefix=searchPrefix or None,
    )
    runs, total = await service.job_runs(job, flt, offset=offset, limit=limit, sort=tf.SORT_COLUMNS.get(sortBy or ""), descending=order != "asc")
    commands = await service.commands(runs)
    data = [tf.job_run(run, job, tf.command_line(commands[run.id])) for run in runs]
    return ok(m.TrueFoundryListJobRunResponse(data=data, pagination={"total": total, "offset": offset, "limit": limit}))


async def get_job_run(token_info: dict[str, Any], jobId: str, jobRunName: str) -> Answer:
    async def answer() -> Answer:
        job = await _job(token_info, jobId)
        run = await current_service().job_run(job, _credential(token_info).environment.id, jobRunName)
        return ok(m.TrueFoundryGetJobRunResponse(data=await _job_run(job, run)))

    return await _guarded(answer, jobId, jobRunName)


async def delete_job_run(token_info: dict[str, Any], jobId: str, jobRunName: str) -> Answer:
    async def answer() -> Answer:
        service = current_service()
        run = await service.job_run(await _job(token_info, jobId), _credential(token_info).environment.id, jobRunName)
        await service.delete_run(run)
        return ok(m.TrueFoundryMessage(message=f"Job run {run.name or run.id} deleted"))

    return await _guarded(answer, jobId, jobRunName)


async def trigger_job(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    service = current_service()
    credential = _credential(token_info)
    reference = body.get("applicationId") or body.get("deploymentId")
    if not reference:
        details = [{"field": "applicationId", "message": "applicationId or deploymentId is required"}]
        return _error(422, "applicationId or deploymentId is required", code="VALIDATION_ERROR", details=details)
    job_reference, version = (reference, None) if body.get("applicationId") else tf.parse_deployment_id(reference)

    async def answer() -> Answer:
        job = await service.visible_job(job_reference, credential.environment)
        run = (await service.submit(tf.new_run(job, version, body, credential))).run
        return ok(m.TrueFoundryTriggerJobRunResponse(message="Job triggered", jobRunName=run.name or run.id, data=await _job_run(job, run)))

    return await _guarded(answer, reference)


async def terminate_job(token_info: dict[str, Any], deploymentId: str, jobRunName: str) -> Answer:
    service = current_service()
    environment = _credential(token_info).environment
    job_reference, _ = tf.parse_deployment_id(deploymentId)

    async def answer() -> Answer:
        run = await service.job_run(await service.visible_job(job_reference, environment), environment.id, jobRunName)
        run = await service.cancel_if_unfinished(run.id, environment.id)
        status = tf.JOB_RUN_STATUS[run.state]
        message = "Termination requested" if status is m.TrueFoundryJobRunStatus.TERMINATION_REQUESTED else f"Job run is {status.value}"
        return ok(m.TrueFoundryTerminateJobResponse(message=message, jobRunStatus=status))

    return await _guarded(answer, deploymentId, jobRunName)
