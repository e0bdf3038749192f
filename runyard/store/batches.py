"""Batches in the store: made (once per idempotency key), read, and completed with their runs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from runyard.domain import BatchNotFound
from runyard.domain.batches import Batch, BatchStatus
from runyard.store.db import Database, storable
from runyard.store.schema import batches
from runyard.timeutil import now_us


def _batch(row: sa.Row[Any]) -> Batch:
    m = row._mapping
    return Batch(
        id=m["id"],
        env_id=m["env_id"],
        status=BatchStatus(m["status"]),
        run_count=m["run_count"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        idempotency_key=m["idempotency_key"],
        completed_at=m["completed_at"],
        run_ids=tuple(m["run_ids"] or ()),
    )


class BatchStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, env_id: str, run_count: int, idempotency_key: str | None) -> tuple[Batch, bool]:
        """A new pending batch, or the environment's batch with this idempotency key; (batch, created)."""
        for _ in range(3):
            if idempotency_key is not None:
                found = await self._by_key(env_id, idempotency_key)
                if found is not None:
                    return found, False
            now = now_us()
            values = {"id": f"batch_{str(ULID()).lower()}", "env_id": env_id, "status": BatchStatus.PENDING.value, "run_count": run_count}
            try:
                async with self._db.engine.begin() as conn:
                    row = (
                        await conn.execute(
                            batches.insert().values(**values, idempotency_key=idempotency_key, created_at=now, updated_at=now).returning(*batches.c)
                        )
                    ).one()
                return _batch(row), True
            except IntegrityError:
                continue  # made at the same moment with the same key: read that one
        raise RuntimeError(f"could not store a batch with key {idempotency_key!r}")

    async def _by_key(self, env_id: str, key: str) -> Batch | None:
        if not storable(key):
            return None
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(batches).where(batches.c.env_id == env_id, batches.c.idempotency_key == key))).first()
        return _batch(row) if row else None

    async def get(self, batch_id: str, env_id: str | None = None) -> Batch:
        """A batch (of this environment, if given; BatchNotFound otherwise)."""
        if not storable(batch_id):
            raise BatchNotFound(batch_id)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(batches).where(batches.c.id == batch_id))).first()
        if row is None or (env_id is not None and row.env_id != env_id):
            raise BatchNotFound(batch_id)
        return _batch(row)
