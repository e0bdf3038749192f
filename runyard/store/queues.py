"""Queues' concurrency limits: set in the jobs file (`[queues.NAME] concurrency_limit = N`, an admin's
word) or by a trigger's queue option (Trigger.dev SDK 3.x's `concurrencyLimit`), which never
overrides the jobs file's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from runyard.store.db import Database
from runyard.store.schema import queues
from runyard.timeutil import now_us

FILE = "file"
TRIGGER = "trigger"


def _put(kind: str, values: dict[str, Any], *, unless_filed: bool = False) -> Any:
    """Insert a queue's row or update the one there, in one statement: servers and workers starting at
    once each apply the jobs file, and a read-then-insert let two of them insert the same queue.
    `unless_filed`: leave a queue the jobs file sets as it is."""
    insert = (postgresql.insert if kind == "postgresql" else sqlite.insert)(queues).values(**values)
    changed = {name: insert.excluded[name] for name in values if name != "name"}
    return insert.on_conflict_do_update(index_elements=["name"], set_=changed, where=queues.c.source != FILE if unless_filed else None)


class QueueStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def limit(self, name: str) -> int | None:
        async with self._db.engine.connect() as conn:
            return (await conn.execute(sa.select(queues.c.concurrency_limit).where(queues.c.name == name))).scalar()

    async def set_from_trigger(self, name: str, limit: int | None) -> None:
        """A trigger's limit for its queue, unless the jobs file sets that queue's."""
        async with self._db.engine.begin() as conn:
            await conn.execute(_put(self._db.kind, {"name": name, "concurrency_limit": limit, "source": TRIGGER, "updated_at": now_us()}, unless_filed=True))

    async def apply_file(self, limits: dict[str, int | None]) -> None:
        """The jobs file's queues become these (the queues it no longer names lose their file limit)."""
        now = now_us()
        async with self._db.engine.begin() as conn:
            await conn.execute(queues.delete().where(queues.c.source == FILE, queues.c.name.not_in(sorted(limits)) if limits else sa.true()))
            for name, limit in limits.items():
                await conn.execute(_put(self._db.kind, {"name": name, "concurrency_limit": limit, "source": FILE, "updated_at": now}))
