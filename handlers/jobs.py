"""Job definitions (native dialect)."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from generated import models as m
from handlers._respond import Answer, native_error, ok
from runyard.context import current_service
from runyard.dialects import native
from runyard.jobs import InvalidJob
from runyard.service import JobNotFound


async def list_jobs() -> Answer:
    return ok(m.JobList(jobs=[native.job(j) for j in await current_service().list_jobs()]))


async def get_job(name: str) -> Answer:
    try:
        return ok(native.job(await current_service().get_job(name)))
    except JobNotFound:
        return native_error(404, f"Unknown job {name!r}")


async def put_job(name: str, body: dict[str, Any]) -> Answer:
    try:
        definition = native.job_definition(name, body)
    except InvalidJob as exc:
        return native_error(400, str(exc))
    stored, changed = await current_service().put_job(definition)
    return ok(native.job(stored), 201 if changed and stored.version == 1 else 200)


async def delete_job(name: str) -> Answer:
    try:
        await current_service().delete_job(name)
    except JobNotFound:
        return native_error(404, f"Unknown job {name!r}")
    return ConnexionResponse(status_code=204)
