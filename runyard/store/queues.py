"""Queues' concurrency limits: set in the jobs file (`[queues.NAME] concurrency_limit = N`, an admin's
word) or by a trigger's queue option (Trigger.dev SDK 3.x's `concurrencyLimit`), which never
overrides the jobs file's."""

from __future__ import annotations

import sqlalchemy as sa

from runyard.store.db import Database
from runyard.store.schema import queues
from runyard.timeutil import now_us

FILE = "file"
TRIGGER = "trigger"


class QueueStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def limit(self, name: str) -> int | None:
        async with self._db.engine.connect() as conn:
            return (await conn.execute(sa.select(queues.c.concurrency_limit).where(queues.c.name == name))).scalar()

    async def set_from_trigger(self, name: str, limit: int | None) -> None:
        """A trigger's limit for its queue, unless the jobs file sets that queue's."""
        async with self._db.engine.begin() as conn:
            source = (await conn.execute(sa.select(queues.c.source).where(queues.c.name == name))).scalar()
            if source == FILE:
                return
            values = {"concurrency_limit": limit, "source": TRIGGER, "updated_at": now_us()}
            if source is None:
                await conn.execute(queues.insert().values(name=name, **values))
            else:
                await conn.execute(queues.update().where(queues.c.name == name).values(**values))

    async def apply_file(self, limits: dict[str, int | None]) -> None:
        """The jobs file's queues become these (the queues it no longer names lose their file limit)."""
        now = now_us()
        async with self._db.engine.begin() as conn:
            await conn.execute(queues.delete().where(queues.c.source == FILE, queues.c.name.not_in(sorted(limits)) if limits else sa.true()))
            for name, limit in limits.items():
                await conn.execute(queues.delete().where(queues.c.name == name))
                await conn.execute(queues.insert().values(name=name, concurrency_limit=limit, source=FILE, updated_at=now))
