"""Job definitions (native dialect). Errors are the native dialect's (runyard.dialects.native.error_response)."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply, no_content


async def list_jobs() -> Reply:
    return native.jobs_reply(await current_service().list_jobs())


async def get_job(name: str) -> Reply:
    return native.job_reply(await current_service().get_job(name))


async def get_job_versions(name: str) -> Reply:
    return native.job_versions_reply(await current_service().job_versions(name))


async def put_job(token_info: TokenInfo, name: str, body: dict[str, Any]) -> Reply:
    stored, changed = await current_service().put_job(native.job_definition(name, body), token_info["credential"])
    return native.job_reply(stored, changed)


async def delete_job(token_info: TokenInfo, name: str) -> ConnexionResponse:
    await current_service().delete_job(name, token_info["credential"])
    return no_content()
