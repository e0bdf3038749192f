"""Native (PraisonAI-compatible) runs. Errors are the native dialect's (runyard.dialects.native.error_response).

Every operation sees the runs its credential may see (runyard.web.security hands it over as `token_info`).
"""

from __future__ import annotations

from typing import Any

from connexion import request
from connexion.lifecycle import ConnexionResponse
from starlette.responses import StreamingResponse

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply, no_content


async def list_runs(
    token_info: TokenInfo,
    status: str | None = None,
    session_id: str | None = None,
    job: str | None = None,
    schedule: str | None = None,
    environment: str | None = None,
    tag: str | None = None,
    created_after: str | None = None,
    created_before: str | None = None,
    cursor: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Reply:
    flt = native.list_filter(status, session_id, job, schedule, tag, created_after, created_before)
    after = native.list_cursor(cursor, page)
    listed = await current_service().list(flt, token_info["credential"], page=page, page_size=page_size, environment=environment, after=after)
    return native.list_reply(listed, 1 if after is not None else page, page_size)


async def submit_run(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    new = native.new_run(body, request.headers.get("idempotency-key"), token_info["credential"])
    return native.submitted_reply(await current_service().submit(new), str(request.base_url))


async def get_run_status(token_info: TokenInfo, job_id: str) -> Reply:
    return native.status_reply(*await current_service().status(job_id, env_id=token_info["credential"].scope))


async def get_run_details(token_info: TokenInfo, job_id: str) -> Reply:
    return native.details_reply(await current_service().details(job_id, env_id=token_info["credential"].scope))


async def replay_run(token_info: TokenInfo, job_id: str) -> Reply:
    return native.submitted_reply(await current_service().replay(job_id, token_info["credential"].scope), str(request.base_url))


async def get_run_result(token_info: TokenInfo, job_id: str) -> Reply:
    return native.result_reply(await current_service().result(job_id, env_id=token_info["credential"].scope))


async def cancel_run(token_info: TokenInfo, job_id: str) -> Reply:
    return native.status_reply(await current_service().cancel(job_id, env_id=token_info["credential"].scope))


async def get_run_logs(token_info: TokenInfo, job_id: str) -> Reply:
    return native.logs_reply(await current_service().run(job_id, env_id=token_info["credential"].scope))


async def delete_run(token_info: TokenInfo, job_id: str) -> ConnexionResponse:
    await current_service().delete(job_id, env_id=token_info["credential"].scope)
    return no_content()


async def stream_run(token_info: TokenInfo, job_id: str) -> StreamingResponse:
    return native.stream_response(await current_service().watch(job_id, env_id=token_info["credential"].scope))
