"""Trigger.dev-compatible runs under /trigger. Errors are the dialect's (runyard.dialects.trigger.error_response)."""

from __future__ import annotations

from typing import Any

from connexion import request

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
    return trigger.retrieved_reply(*await current_service().run_and_schedule(runId, env_id=_env(token_info).id))


async def cancel_run(token_info: TokenInfo, runId: str) -> Reply:
    return trigger.run_id_reply(await current_service().cancel(runId, env_id=_env(token_info).id, finished_ok=True))


async def replay_run(token_info: TokenInfo, runId: str, body: dict[str, Any] | None = None) -> Reply:
    env = _env(token_info)
    submitted = await current_service().replay(runId, env.id, trigger.replay_request(body, env))
    return trigger.run_id_reply(submitted.run)


async def create_batch(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    env = _env(token_info)
    run_count, key = trigger.batch_to_create(body)
    batch, created = await current_service().create_batch(env.id, run_count, key)
    return trigger.created_batch_reply(batch, created, token_info["secret"] or "", env)


async def stream_batch_items(token_info: TokenInfo, batchId: str, body: Any = None) -> Reply:
    env = _env(token_info)
    return trigger.batch_items_reply(await current_service().fill_batch(batchId, env.id, trigger.batch_items(body, env)))


async def retrieve_batch(token_info: TokenInfo, batchId: str) -> Reply:
    return trigger.batch_reply(await current_service().batch(batchId, _env(token_info).id))


async def retrieve_batch_v1(token_info: TokenInfo, batchId: str) -> Reply:
    return trigger.batch_v1_reply(await current_service().batch(batchId, _env(token_info).id))


async def batch_trigger_v1(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    env = _env(token_info)
    key = request.headers.get("idempotency-key") or None
    result = await current_service().trigger_batch(env.id, trigger.batch_request_items(body, env), key)
    return trigger.batch_triggered_reply(result, token_info["secret"] or "", env)


async def list_bulk_actions(token_info: TokenInfo, **params: Any) -> Reply:
    page = await current_service().bulk_actions_page(
        _env(token_info).id,
        limit=int(params.get("page_size", 25)),
        after=trigger.bulk_cursor(params.get("page_after")),
        before=trigger.bulk_cursor(params.get("page_before")),
    )
    return trigger.bulk_list_reply(page)


async def create_bulk_action(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    return trigger.bulk_id_reply(await current_service().create_bulk_action(trigger.bulk_request(body, _env(token_info))))


async def retrieve_bulk_action(token_info: TokenInfo, bulkActionId: str) -> Reply:
    return trigger.bulk_reply(await current_service().bulk_action(bulkActionId, _env(token_info).id))


async def abort_bulk_action(token_info: TokenInfo, bulkActionId: str) -> Reply:
    return trigger.aborted_reply(await current_service().abort_bulk_action(bulkActionId, _env(token_info).id))


async def batch_trigger_v2(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    env = _env(token_info)
    return trigger.batch_v2_reply(await current_service().trigger_batch(env.id, trigger.batch_request_items(body, env)))


async def batch_trigger_task(token_info: TokenInfo, taskIdentifier: str, body: dict[str, Any]) -> Reply:
    env = _env(token_info)
    return trigger.task_batch_reply(await current_service().trigger_batch(env.id, trigger.task_batch_items(taskIdentifier, body, env)))


async def get_run_metadata(token_info: TokenInfo, runId: str) -> Reply:
    return trigger.metadata_reply(await current_service().run(runId, env_id=_env(token_info).id))


async def update_run_metadata(token_info: TokenInfo, runId: str, body: dict[str, Any]) -> Reply:
    changed = await current_service().change_metadata(runId, trigger.metadata_operations(body), env_id=_env(token_info).id)
    return trigger.changed_metadata_reply(changed)


async def add_run_tags(token_info: TokenInfo, runId: str, body: dict[str, Any]) -> Reply:
    return trigger.tags_reply(await current_service().add_tags(runId, trigger.tags_request(body), env_id=_env(token_info).id))


async def reschedule_run(token_info: TokenInfo, runId: str, body: dict[str, Any]) -> Reply:
    rescheduled = await current_service().reschedule(runId, trigger.reschedule_delay(body), env_id=_env(token_info).id)
    return trigger.retrieved_reply(rescheduled)


async def reset_idempotency_key(token_info: TokenInfo, key: str, body: dict[str, Any]) -> Reply:
    await current_service().reset_idempotency_key(_env(token_info).id, key, trigger.reset_task(body))
    return trigger.idempotency_reset_reply(key)


async def list_schedules(token_info: TokenInfo, page: int = 1, perPage: int = 20) -> Reply:
    env = _env(token_info)
    listed = await current_service().schedules_page(token_info["credential"], page=page, page_size=perPage, env_id=env.id, newest_first=True)
    return trigger.schedules_reply(listed, page, perPage)


async def create_schedule(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    new = trigger.new_schedule(body, _env(token_info))
    view, _ = await current_service().create_schedule(new, token_info["credential"])
    return trigger.schedule_reply(view, changed=True)


async def retrieve_schedule(token_info: TokenInfo, scheduleId: str) -> Reply:
    return trigger.schedule_reply(await current_service().schedule(scheduleId, env_id=_env(token_info).id, by_key=True))


async def update_schedule(token_info: TokenInfo, scheduleId: str, body: dict[str, Any]) -> Reply:
    change = trigger.schedule_change(body)
    view = await current_service().update_schedule(scheduleId, change, token_info["credential"], env_id=_env(token_info).id, by_key=True)
    return trigger.schedule_reply(view, changed=True)


async def delete_schedule(token_info: TokenInfo, scheduleId: str) -> Reply:
    deleted = await current_service().delete_schedule(scheduleId, token_info["credential"], env_id=_env(token_info).id, by_key=True)
    return trigger.deleted_schedule_reply(deleted)


async def activate_schedule(token_info: TokenInfo, scheduleId: str) -> Reply:
    return trigger.schedule_reply(
        await current_service().set_schedule_active(scheduleId, True, token_info["credential"], env_id=_env(token_info).id, by_key=True)
    )


async def deactivate_schedule(token_info: TokenInfo, scheduleId: str) -> Reply:
    return trigger.schedule_reply(
        await current_service().set_schedule_active(scheduleId, False, token_info["credential"], env_id=_env(token_info).id, by_key=True)
    )


async def list_timezones(excludeUtc: str | None = None) -> Reply:
    return trigger.timezones_reply(excludeUtc)
