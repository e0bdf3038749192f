"""Bulk actions in the store: made, read, paged, aborted, and processed a chunk at a time under a
lease (one server at a time works on an action; another takes it over when the lease runs out)."""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from ulid import ULID

from runyard.domain import RunFilter, RunState
from runyard.domain.bulk import BulkAction, BulkKind, BulkStatus, NewBulkAction
from runyard.domain.errors import BulkActionFinished, BulkActionNotFound
from runyard.store.db import Database, storable
from runyard.store.schema import bulk_action_runs, bulk_actions
from runyard.timeutil import now_us


def filter_to_json(flt: RunFilter) -> dict[str, Any]:
    data = dataclasses.asdict(flt)
    data["states"] = sorted(s.value for s in flt.states) if flt.states is not None else None
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def filter_from_json(data: dict[str, Any]) -> RunFilter:
    fields = {f.name for f in dataclasses.fields(RunFilter)}
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in fields}
    if values.get("states") is not None:
        values["states"] = frozenset(RunState(s) for s in values["states"])
    return RunFilter(**values)


def _action(row: sa.Row[Any]) -> BulkAction:
    m = row._mapping
    selection = m["selection"] or {}
    cursor = (m["cursor_created_at"], m["cursor_id"] or "") if m["cursor_created_at"] is not None else None
    return BulkAction(
        id=m["id"],
        env_id=m["env_id"],
        kind=BulkKind(m["kind"]),
        status=BulkStatus(m["status"]),
        total=m["total"],
        success=m["success"],
        failure=m["failure"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        name=m["name"],
        completed_at=m["completed_at"],
        cutoff=m["cutoff"],
        filter=filter_from_json(selection["filter"]) if "filter" in selection else None,
        run_ids=tuple(selection["run_ids"]) if "run_ids" in selection else None,
        cursor=cursor,
    )


class BulkStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, new: NewBulkAction, total: int, cutoff: int) -> BulkAction:
        selection: dict[str, Any] = {"filter": filter_to_json(new.filter)} if new.filter is not None else {"run_ids": list(new.run_ids or ())}
        now = now_us()
        values = {
            "id": f"bulk_{str(ULID()).lower()}",
            "env_id": new.env_id,
            "name": new.name,
            "kind": new.kind.value,
            "status": BulkStatus.PENDING.value,
            "selection": selection,
            "cutoff": cutoff,
            "total": total,
            "success": 0,
            "failure": 0,
            "created_at": now,
            "updated_at": now,
        }
        async with self._db.engine.begin() as conn:
            row = (await conn.execute(bulk_actions.insert().values(**values).returning(*bulk_actions.c))).one()
        return _action(row)

    async def get(self, bulk_id: str, env_id: str | None = None) -> BulkAction:
        if not storable(bulk_id):
            raise BulkActionNotFound(bulk_id)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(bulk_actions).where(bulk_actions.c.id == bulk_id))).first()
        if row is None or (env_id is not None and row.env_id != env_id):
            raise BulkActionNotFound(bulk_id)
        return _action(row)

    async def page(
        self, env_id: str, *, limit: int, after: tuple[int, str] | None = None, before: tuple[int, str] | None = None
    ) -> tuple[list[BulkAction], bool, bool]:
        """Newest first: (actions, more older, more newer), after (older than) or before (newer than) a position."""
        key = sa.tuple_(bulk_actions.c.created_at, bulk_actions.c.id)
        where: list[Any] = [bulk_actions.c.env_id == env_id]
        order: list[Any]
        if before is not None:
            where.append(key > sa.tuple_(sa.literal(before[0]), sa.literal(before[1])))
            order = [bulk_actions.c.created_at, bulk_actions.c.id]
        else:
            if after is not None:
                where.append(key < sa.tuple_(sa.literal(after[0]), sa.literal(after[1])))
            order = [bulk_actions.c.created_at.desc(), bulk_actions.c.id.desc()]
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(bulk_actions).where(*where).order_by(*order).limit(limit + 1))).all()
        found = [_action(row) for row in rows[:limit]]
        more = len(rows) > limit
        if before is not None:
            found.reverse()
            return found, True, more
        return found, more, after is not None

    async def abort(self, bulk_id: str, env_id: str) -> BulkAction:
        action = await self.get(bulk_id, env_id)
        async with self._db.engine.begin() as conn:
            done = await conn.execute(
                bulk_actions.update()
                .where(bulk_actions.c.id == bulk_id, bulk_actions.c.status == BulkStatus.PENDING.value)
                .values(status=BulkStatus.ABORTED.value, completed_at=now_us(), updated_at=now_us())
            )
        if done.rowcount != 1:
            finished = await self.get(bulk_id, env_id)
            raise BulkActionFinished(finished.id, finished.status.value.lower())
        return action

    async def claim(self, worker_id: str, now: int, lease_us: int) -> BulkAction | None:
        """A pending action no one else is working on, now this worker's for `lease_us`. One this
        worker holds already is taken again: its lease spans the pauses between its own slices of
        work, and must not make it wait for its own lease to run out."""
        candidate = (
            sa.select(bulk_actions.c.id)
            .where(
                bulk_actions.c.status == BulkStatus.PENDING.value,
                sa.or_(bulk_actions.c.lease_expires_at.is_(None), bulk_actions.c.lease_expires_at < now, bulk_actions.c.lease_owner == worker_id),
            )
            .order_by(bulk_actions.c.created_at)
            .limit(1)
        )
        # A read first: with nothing pending (the usual case) no write transaction is taken, so the
        # servers' twice-a-second look costs SQLite's write lock nothing.
        async with self._db.engine.connect() as conn:
            if (await conn.execute(candidate)).first() is None:
                return None
        if self._db.kind == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        async with self._db.engine.begin() as conn:
            row = (
                await conn.execute(
                    bulk_actions.update()
                    .where(bulk_actions.c.id == candidate.scalar_subquery(), bulk_actions.c.status == BulkStatus.PENDING.value)
                    .values(lease_owner=worker_id, lease_expires_at=now + lease_us)
                    .returning(*bulk_actions.c)
                )
            ).first()
        return _action(row) if row else None

    async def record(
        self, action: BulkAction, worker_id: str, *, lease_us: int, cursor: tuple[int, str], success: int, failure: int, run_ids: list[str], done: bool
    ) -> bool:
        """One chunk done: counts, the runs touched or made, where to go on from; False when the
        action was aborted or another worker holds it now (nothing is recorded)."""
        now = now_us()
        values: dict[str, Any] = {
            "cursor_created_at": cursor[0],
            "cursor_id": cursor[1],
            "success": bulk_actions.c.success + success,
            "failure": bulk_actions.c.failure + failure,
            "updated_at": now,
            "lease_expires_at": now + lease_us,  # renewed with each chunk
        }
        if done:
            values.update(status=BulkStatus.COMPLETED.value, completed_at=now, lease_owner=None, lease_expires_at=None)
        async with self._db.engine.begin() as conn:
            changed = await conn.execute(
                bulk_actions.update()
                .where(bulk_actions.c.id == action.id, bulk_actions.c.lease_owner == worker_id, bulk_actions.c.status == BulkStatus.PENDING.value)
                .values(**values)
            )
            if changed.rowcount != 1:
                return False
            if run_ids:
                await conn.execute(bulk_action_runs.insert(), [{"bulk_id": action.id, "run_id": run_id, "env_id": action.env_id} for run_id in run_ids])
        return True
