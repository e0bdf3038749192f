"""Job definitions in the store, with every version kept for the runs that used it."""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from runyard.domain import JobDefinition, JobNotFound, JobVersion, StoredJob
from runyard.store.db import Database, storable
from runyard.store.schema import job_versions, jobs
from runyard.timeutil import now_us

__all__ = ["JobNotFound", "JobStore", "StoredJob"]


# A job by name on the driver itself (runyard.store.driver): read by every submit.
_JOB_COLUMNS = "name, definition, version, created_at, updated_at, id"
_JOB_BY_NAME = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE name = ?"
# By id or name: what TrueFoundry's job routes name (each of its lists and reads makes this lookup).
_JOB_BY_REFERENCE = f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ? OR name = ?"


def _stored(row: sa.Row[Any]) -> StoredJob:
    m = row._mapping
    return StoredJob(JobDefinition.from_data(m["name"], m["definition"]), m["version"], m["created_at"], m["updated_at"], m["id"])


class JobStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, job: JobDefinition) -> tuple[StoredJob, bool]:
        """Create or update a job; returns (job, changed). An identical definition keeps its version."""
        for _ in range(3):  # another process may create the same job at the same moment
            try:
                return await self._put_once(job)
            except IntegrityError:
                continue
        return await self._put_once(job)

    async def _put_once(self, job: JobDefinition) -> tuple[StoredJob, bool]:
        data = job.to_data()
        now = now_us()
        async with self._db.engine.begin() as conn:
            row = (await conn.execute(sa.select(jobs).where(jobs.c.name == job.name).with_for_update())).first()
            if row is not None and row._mapping["definition"] == data:
                return _stored(row), False
            # Versions continue past a deleted job's: runs of the old ones still name them.
            latest = (await conn.execute(sa.select(sa.func.max(job_versions.c.version)).where(job_versions.c.name == job.name))).scalar()
            version = (latest or 0) + 1
            await conn.execute(job_versions.insert().values(name=job.name, version=version, definition=data, created_at=now))
            columns = {"version": version, "definition": data, "concurrency": job.concurrency, "environments": data["environments"], "updated_at": now}
            if row is None:
                job_id = f"job_{secrets.token_hex(10)}"
                await conn.execute(jobs.insert().values(name=job.name, id=job_id, created_at=now, **columns))
                created_at = now
            else:
                await conn.execute(jobs.update().where(jobs.c.name == job.name).values(**columns))
                created_at, job_id = row._mapping["created_at"], row._mapping["id"]
        return StoredJob(job, version, created_at, now, job_id), True

    async def get(self, name: str) -> StoredJob:
        if not storable(name):
            raise JobNotFound(name)
        return await self._one(_JOB_BY_NAME, (name,), name)

    async def get_by_reference(self, reference: str) -> StoredJob:
        """A job by its id or its name."""
        if not storable(reference):
            raise JobNotFound(reference)
        return await self._one(_JOB_BY_REFERENCE, (reference, reference), reference)

    async def _one(self, sql: str, params: tuple[str, ...], reference: str) -> StoredJob:
        hot = self._db.hot
        row = await hot.one(sql, params)
        if row is None:
            raise JobNotFound(reference)
        name, definition, version, created_at, updated_at, job_id = row
        return StoredJob(JobDefinition.from_data(name, self._decoded(definition)), version, created_at, updated_at, job_id)

    def _decoded(self, definition: Any) -> Any:
        return json.loads(definition) if self._db.hot.json_as_text else definition

    async def get_version(self, name: str, version: int) -> JobDefinition:
        """The definition a run was submitted against, even if the job changed or was deleted since."""
        found = await self.get_versions(name, [version])
        if version not in found:
            raise JobNotFound(name, version)
        return found[version]

    async def get_versions(self, name: str, versions: list[int]) -> dict[int, JobDefinition]:
        """These versions of a job (those that exist), in one statement."""
        if not storable(name) or not versions:
            return {}
        wanted = sorted(set(versions))
        rows = await self._db.hot.all(
            f"SELECT version, definition FROM job_versions WHERE name = ? AND version IN ({', '.join('?' for _ in wanted)})", [name, *wanted]
        )
        return {version: JobDefinition.from_data(name, self._decoded(definition)) for version, definition in rows}

    async def history(self, name: str) -> list[JobVersion]:
        """Every version of a job's definition, newest first, in one statement (job_versions' key is (name, version))."""
        if not storable(name):
            return []
        rows = await self._db.hot.all("SELECT version, created_at, definition FROM job_versions WHERE name = ? ORDER BY version DESC", [name])
        return [JobVersion(version, created_at, JobDefinition.from_data(name, self._decoded(definition))) for version, created_at, definition in rows]

    async def list(self) -> list[StoredJob]:
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(jobs).order_by(jobs.c.name))).all()
        return [_stored(r) for r in rows]

    async def delete(self, name: str) -> None:
        """Remove a job; its versions stay for the runs that used them."""
        if not storable(name):
            raise JobNotFound(name)
        async with self._db.engine.begin() as conn:
            done = await conn.execute(jobs.delete().where(jobs.c.name == name))
        if done.rowcount == 0:
            raise JobNotFound(name)
