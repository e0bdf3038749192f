"""TrueFoundry-compatible job runs under /api/svc/v1/jobs. Errors are the dialect's (runyard.dialects.truefoundry.error_response)."""

from __future__ import annotations

from typing import Any

from runyard.dialects import truefoundry as tf
from runyard.domain import Credential
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply


def _credential(token_info: TokenInfo) -> Credential:
    """The key's: TrueFoundry's runs are one environment's, an admin key's included."""
    return token_info["credential"]


async def list_job_runs(
    token_info: TokenInfo,
    jobId: str,
    limit: int = 100,
    offset: int = 0,
    searchPrefix: str | None = None,
    sortBy: str | None = None,
    order: str | None = None,
    triggeredBy: list[str] | None = None,
    status: list[str] | None = None,
    versionNumbers: list[float] | None = None,
) -> Reply:
    flt = tf.list_filter(status, triggeredBy, versionNumbers, searchPrefix)
    environment = _credential(token_info).environment
    page = await current_service().job_runs(jobId, environment, flt, offset=offset, limit=limit, sort=tf.sort_column(sortBy), descending=order != "asc")
    return tf.list_reply(page, offset, limit)


async def get_job_run(token_info: TokenInfo, jobId: str, jobRunName: str) -> Reply:
    return tf.job_run_reply(await current_service().job_run(jobId, _credential(token_info).environment, jobRunName))


async def delete_job_run(token_info: TokenInfo, jobId: str, jobRunName: str) -> Reply:
    return tf.deleted_reply(await current_service().delete_job_run(jobId, _credential(token_info).environment, jobRunName))


async def trigger_job(token_info: TokenInfo, body: dict[str, Any]) -> Reply:
    credential = _credential(token_info)
    asked = tf.trigger_request(body, credential)
    return tf.triggered_reply(await current_service().trigger_job(asked.reference, asked.version, credential, asked.build))


async def terminate_job(token_info: TokenInfo, deploymentId: str, jobRunName: str) -> Reply:
    reference, version = tf.parse_deployment_id(deploymentId)
    return tf.terminated_reply(await current_service().terminate_job_run(reference, _credential(token_info).environment, jobRunName, version))
