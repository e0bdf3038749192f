"""Trigger.dev-compatible runs under /trigger. Errors are the dialect's (runyard.dialects.trigger.error_response)."""

from __future__ import annotations

from typing import Any

from runyard.dialects import trigger
from runyard.domain import Environment
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply


def _env(token_info: TokenInfo) -> Environment:
    """The key's environment: Trigger.dev's API is one environment's, an admin key's included."""
    return token_info["credential"].environment


async def list_runs(token_info: TokenInfo, **params: Any) -> Reply:
    asked = trigger.list_request(params, _env(token_info))
    window = await current_service().window(asked.filter, limit=asked.limit, after=asked.after, before=asked.before)
    return trigger.list_reply(window, _env(token_info))


async def trigger_task(token_info: TokenInfo, taskIdentifier: str, body: dict[str, Any] | None = None) -> Reply:
    submitted = await current_service().submit(trigger.trigger_request(taskIdentifier, body, _env(token_info)))
    return trigger.triggered_reply(submitted, token_info["secret"] or "", _env(token_info))


async def retrieve_run(token_info: TokenInfo, runId: str) -> Reply:
    return trigger.retrieved_reply(await current_service().run(runId, env_id=_env(token_info).id))


async def cancel_run(token_info: TokenInfo, runId: str) -> Reply:
    return trigger.run_id_reply(await current_service().cancel(runId, env_id=_env(token_info).id, finished_ok=True))


async def replay_run(token_info: TokenInfo, runId: str, body: dict[str, Any] | None = None) -> Reply:
    env = _env(token_info)
    submitted = await current_service().replay(runId, env.id, trigger.replay_request(body, env))
    return trigger.run_id_reply(submitted.run)
