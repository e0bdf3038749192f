"""Schedules in the store: created (or updated by their deduplication key), read, and found due."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from runyard.domain.schedules import NewSchedule, Overlap, Schedule, first_due
from runyard.store.db import Database
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

    async def get(self, schedule_id: str) -> Schedule | None:
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id))).first()
        return _schedule(row) if row else None

    async def due(self, now: int, limit: int = 100) -> list[Schedule]:
        """Active schedules whose next due time has come (through ix_schedules_due)."""
        query = sa.select(schedules).where(schedules.c.active.is_(True), schedules.c.next_due_at <= now).order_by(schedules.c.next_due_at).limit(limit)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_schedule(row) for row in rows]

    async def advance(self, schedule: Schedule, fired: int, next_due: int, now: int) -> bool:
        """Move a schedule past a due time it fired (or skipped); False when another server already did."""
        async with self._db.engine.begin() as conn:
            done = await conn.execute(
                schedules.update()
                .where(schedules.c.id == schedule.id, schedules.c.next_due_at == schedule.next_due_at)
                .values(next_due_at=next_due, last_due_at=fired, updated_at=now)
            )
        return done.rowcount == 1
