"""Native (PraisonAI-compatible) runs. Errors are the native dialect's (runyard.dialects.native.error_response)."""

from __future__ import annotations

from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from starlette.responses import StreamingResponse

from runyard.dialects import native
from runyard.web.context import current_service
from runyard.web.replies import Reply, no_content


async def list_runs(status: str | None = None, session_id: str | None = None, job: str | None = None, page: int = 1, page_size: int = 20) -> Reply:
    listed = await current_service().list(native.list_filter(status, session_id, job), page=page, page_size=page_size)
    return native.list_reply(listed, page, page_size)


async def submit_run(body: dict[str, Any]) -> Reply:
    return native.submitted_reply(await current_service().submit(native.new_run(body, request.headers.get("idempotency-key"))))


async def get_run_status(job_id: str) -> Reply:
    return native.status_reply(await current_service().run(job_id))


async def get_run_result(job_id: str) -> Reply:
    return native.result_reply(await current_service().result(job_id))


async def cancel_run(job_id: str) -> Reply:
    return native.status_reply(await current_service().cancel(job_id))


async def get_run_logs(job_id: str) -> Reply:
    return native.logs_reply(await current_service().run(job_id))


async def delete_run(job_id: str) -> ConnexionResponse:
    await current_service().delete(job_id)
    return no_content()


async def stream_run(job_id: str) -> StreamingResponse:
    return native.stream_response(await current_service().watch(job_id))
