"""Cron schedules (native dialect). Errors are the native dialect's (runyard.dialects.native.error_response).

Reading sees the schedules the credential sees; creating and changing them is for admins (the service decides).
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply, no_content


async def list_schedules(token_info: TokenInfo, job: str | None = None, environment: str | None = None, page: int = 1, page_size: int = 20) -> Reply:
    listed = await current_service().schedules_page(token_info["credential"], page=page, page_size=page_size, job_name=job, environment=environment)
    return native.schedules_reply(listed, page, page_size)


async def create_schedule(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    new, environment = native.new_schedule(body, token_info["credential"])
    return native.schedule_reply(*await current_service().create_schedule(new, token_info["credential"], environment))


async def get_schedule(token_info: TokenInfo, schedule_id: str) -> Reply:
    return native.schedule_reply(await current_service().schedule(schedule_id, env_id=token_info["credential"].scope))


async def update_schedule(token_info: TokenInfo, schedule_id: str, body: dict[str, Any]) -> Reply:
    credential = token_info["credential"]
    return native.schedule_reply(await current_service().update_schedule(schedule_id, native.schedule_change(body), credential, env_id=credential.scope))


async def delete_schedule(token_info: TokenInfo, schedule_id: str) -> ConnexionResponse:
    credential = token_info["credential"]
    await current_service().delete_schedule(schedule_id, credential, env_id=credential.scope)
    return no_content()


async def activate_schedule(token_info: TokenInfo, schedule_id: str) -> Reply:
    credential = token_info["credential"]
    return native.schedule_reply(await current_service().set_schedule_active(schedule_id, True, credential, env_id=credential.scope))


async def deactivate_schedule(token_info: TokenInfo, schedule_id: str) -> Reply:
    credential = token_info["credential"]
    return native.schedule_reply(await current_service().set_schedule_active(schedule_id, False, credential, env_id=credential.scope))
