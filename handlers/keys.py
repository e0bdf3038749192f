"""API keys, for admins (native dialect). Errors are the native dialect's (runyard.dialects.native.error_response)."""

from __future__ import annotations

from typing import Any

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply


async def list_keys(token_info: TokenInfo) -> Reply:
    return native.keys_reply(await current_service().list_keys(token_info["credential"]))


async def create_key(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    asked = native.key_request(body)
    created = await current_service().create_key(token_info["credential"], asked.environment, admin=asked.admin, expires_in_seconds=asked.expires_in_seconds)
    return native.created_key_reply(created)


async def revoke_key(token_info: TokenInfo, key_id: str) -> Reply:
    return native.key_reply(await current_service().revoke_key(token_info["credential"], key_id))
