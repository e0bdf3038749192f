"""Native (PraisonAI-compatible) runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from starlette.responses import StreamingResponse

from generated import models as m

from handlers._respond import Answer, native_error, ok
from runyard.context import current_service
from runyard.dialects import native
from runyard.domain import NewRun, Run, RunConflict, RunFilter, RunNotFound
from runyard.service import JobNotFound, resolve_idempotency_key

async def list_runs(status: str | None = None, session_id: str | None = None, job: str | None = None, page: int = 1, page_size: int = 20) -> Answer:
    flt = RunFilter(states=native.states_for(status) if status is not None else None, session_id=session_id, job_name=job)
    result = await current_service().list(flt, page=page, page_size=page_size)
    return ok(m.RunList(jobs=[native.list_item(s) for s in result.items], total=result.total, page=page, page_size=page_size))


async def submit_run(body: dict[str, Any]) -> Answer:
    submit = m.SubmitRunRequest.model_validate(body)
    key = resolve_idempotency_key(request.headers.get("idempotency-key"), submit.idempotency_key)
    new = NewRun(
        job_name=submit.job,
        input=submit.input,
        session_id=submit.session_id,
        tags=tuple(tag.root for tag in submit.tags or ()),
        idempotency_key=key,
        delay_seconds=submit.delay or 0,
        ttl_seconds=submit.ttl,
        max_attempts=submit.max_attempts,  # None: the job's own setting
    )
    try:
        submitted = await current_service().submit(new)
    except JobNotFound:
        return native_error(404, native.unknown_job_message(submit.job))
    run = submitted.run
    headers = {"Location": native.status_path(run.id)}
    hint = native.retry_after(run)
    if hint is not None:
        headers["Retry-After"] = str(hint)
    return ok(native.submitted(run), 202 if submitted.created else 200, headers)


async def _about_run(job_id: str, answer: Callable[[], Awaitable[Answer]]) -> Answer:
    """`answer()`, or the native 404 / 409 when the run is unknown or in the wrong state."""
    try:
        return await answer()
    except RunNotFound:
        return native_error(404, f"Job not found: {job_id}")
    except RunConflict as exc:
        return native_error(409, str(exc))


async def get_run_status(job_id: str) -> Answer:
    async def answer() -> Answer:
        run = await current_service().status(job_id)
        hint = native.retry_after(run)
        return ok(native.run_status(run), 200, {"Retry-After": str(hint)} if hint is not None else {})

    return await _about_run(job_id, answer)


async def get_run_result(job_id: str) -> Answer:
    return await _about_run(job_id, lambda: _ok_with(native.run_result, current_service().result(job_id)))


async def cancel_run(job_id: str) -> Answer:
    return await _about_run(job_id, lambda: _ok_with(native.run_status, current_service().cancel(job_id)))


async def get_run_logs(job_id: str) -> Answer:
    return await _about_run(job_id, lambda: _ok_with(native.run_logs, current_service().status(job_id)))


async def delete_run(job_id: str) -> Answer:
    async def answer() -> Answer:
        await current_service().delete(job_id)
        return ConnexionResponse(status_code=204)

    return await _about_run(job_id, answer)


async def _ok_with(model: Callable[[Run], Any], run: Awaitable[Run]) -> Answer:
    return ok(model(await run))


async def stream_run(job_id: str) -> Answer:
    service = current_service()
    try:
        await service.status(job_id)
    except RunNotFound:
        return native_error(404, f"Job not found: {job_id}")
    return StreamingResponse(
        native.run_events(service.watch(job_id)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
