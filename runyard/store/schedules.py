"""Schedules in the store: created (or updated by their deduplication key), read, and found due."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from runyard.domain import ScheduleNotFound
from runyard.domain.schedules import NewSchedule, Overlap, Schedule, first_due
from runyard.store.db import Database, storable
from runyard.store.schema import schedules


def _schedule(row: sa.Row[Any]) -> Schedule:
    m = row._mapping
    return Schedule(
        env_id=m["env_id"],
        job_name=m["job_name"],
        cron=m["cron"],
        timezone=m["timezone"],
        input=m["input"],
        external_id=m["external_id"],
        deduplication_key=m["deduplication_key"],
        active=bool(m["active"]),
        overlap=Overlap(m["overlap"]),
        id=m["id"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        next_due_at=m["next_due_at"],
        last_due_at=m["last_due_at"],
        declarative=bool(m["declarative"]),
    )


class ScheduleStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, new: NewSchedule, now: int) -> tuple[Schedule, bool]:
        """Create a schedule, or update the one with the same deduplication key; (schedule, created)."""
        values = {f.name: getattr(new, f.name) for f in dataclasses.fields(NewSchedule)}
        values["overlap"] = new.overlap.value
        values["next_due_at"] = first_due(new, now)
        values["updated_at"] = now
        for _ in range(3):
            if new.deduplication_key is not None:
                async with self._db.engine.begin() as conn:
                    changed = (
                        await conn.execute(
                            schedules.update()
                            .where(schedules.c.env_id == new.env_id, schedules.c.deduplication_key == new.deduplication_key)
                            .values(**values)
                            .returning(*schedules.c)
                        )
                    ).first()
                if changed is not None:
                    return _schedule(changed), False
            try:
                async with self._db.engine.begin() as conn:
                    row = (
                        await conn.execute(schedules.insert().values(id=f"sched_{str(ULID()).lower()}", created_at=now, **values).returning(*schedules.c))
                    ).one()
                return _schedule(row), True
            except IntegrityError:
                continue  # another server created it with this key a moment ago: update that one
        raise RuntimeError(f"could not store the schedule {new.deduplication_key!r}: concurrent writes kept winning")

    async def get(self, schedule_id: str) -> Schedule:
        """A schedule by id (ScheduleNotFound)."""
        if not storable(schedule_id):
            raise ScheduleNotFound(schedule_id)  # no store keeps a NUL: no schedule has it
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id))).first()
        if row is None:
            raise ScheduleNotFound(schedule_id)
        return _schedule(row)

    async def find(self, env_id: str, deduplication_key: str) -> Schedule | None:
        """The environment's schedule with this deduplication key, if there is one."""
        if not storable(deduplication_key):
            return None
        query = sa.select(schedules).where(schedules.c.env_id == env_id, schedules.c.deduplication_key == deduplication_key)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _schedule(row) if row else None

    async def page(self, *, env_id: str | None, job_name: str | None, offset: int, limit: int, newest_first: bool = False) -> tuple[list[Schedule], int]:
        """Schedules oldest (or newest) first, of one environment or all, of one job or all, and how many there are."""
        if job_name is not None and not storable(job_name):
            return [], 0
        where = [
            c for c in (schedules.c.env_id == env_id if env_id is not None else None, schedules.c.job_name == job_name if job_name else None) if c is not None
        ]
        query = (
            sa.select(schedules)
            .where(*where)
            .order_by(*(c.desc() if newest_first else c for c in (schedules.c.created_at, schedules.c.id)))
            .offset(offset)
            .limit(limit)
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
            total = (await conn.execute(sa.select(sa.func.count()).select_from(schedules).where(*where))).scalar_one()
        return [_schedule(row) for row in rows], int(total)

    async def declared(self) -> list[Schedule]:
        """Every schedule the jobs file declares."""
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(schedules).where(schedules.c.declarative.is_(True)))).all()
        return [_schedule(row) for row in rows]

    async def replace(self, schedule: Schedule, now: int) -> Schedule:
        """Write a changed schedule (job, cron, zone, input, external id, overlap, active), due next
        after `now` by its (maybe new) expression (ScheduleNotFound if it is gone)."""
        values = {
            "job_name": schedule.job_name,
            "cron": schedule.cron,
            "timezone": schedule.timezone,
            "input": schedule.input,
            "external_id": schedule.external_id,
            "overlap": schedule.overlap.value,
            "active": schedule.active,
            "next_due_at": first_due(schedule, now),
            "updated_at": now,
        }
        async with self._db.engine.begin() as conn:
            row = (await conn.execute(schedules.update().where(schedules.c.id == schedule.id).values(**values).returning(*schedules.c))).first()
        if row is None:
            raise ScheduleNotFound(schedule.id)
        return _schedule(row)

    async def delete(self, schedule_id: str) -> None:
        """Remove a schedule (ScheduleNotFound if there is none); the runs it fired stay."""
        async with self._db.engine.begin() as conn:
            gone = await conn.execute(schedules.delete().where(schedules.c.id == schedule_id))
        if gone.rowcount != 1:
            raise ScheduleNotFound(schedule_id)

    async def due(self, now: int, limit: int = 100) -> list[Schedule]:
        """Active schedules whose next due time has come (through ix_schedules_due)."""
        query = sa.select(schedules).where(schedules.c.active.is_(True), schedules.c.next_due_at <= now).order_by(schedules.c.next_due_at).limit(limit)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_schedule(row) for row in rows]

    async def advance(self, schedule: Schedule, fired: int | None, next_due: int, now: int) -> bool:
        """Move a schedule past a due time it fired (or skipped: `fired` None keeps its last fired
        time); False when another server already did."""
        async with self._db.engine.begin() as conn:
            done = await conn.execute(
                schedules.update()
                .where(schedules.c.id == schedule.id, schedules.c.next_due_at == schedule.next_due_at)
                .values(next_due_at=next_due, last_due_at=fired if fired is not None else schedule.last_due_at, updated_at=now)
            )
        return done.rowcount == 1
