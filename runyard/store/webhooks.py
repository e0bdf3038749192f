"""Webhook deliveries in the store: written with their run, claimed by workers once the run has finished.

A claim is a lease, as for runs: the worker that claimed a delivery holds it for LEASE_SECONDS; if it
dies mid-send, another worker sends it again after the lease (so a receiver may, rarely, get a
delivery twice: each carries its id in X-Runyard-Delivery to tell).
"""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from runyard.domain import FINISHED_STATES, Run, RunHead, RunNotFound, RunState
from runyard.domain.webhooks import Delivery
from runyard.store.db import Database, storable
from runyard.store.runs import RUN_COLUMNS, run_from_row, run_from_tuple
from runyard.store.schema import runs, server_secrets, webhook_deliveries
from runyard.timeutil import now_us

LEASE_SECONDS = 60.0  # longer than a delivery's request may take (runyard.executor.webhooks)
FINISHED = tuple(sorted(state.value for state in FINISHED_STATES))
WEBHOOK_SECRET = "webhook_signing_key"


_DELIVERY_COLUMNS = ("id", "run_id", "url", "state", "attempts", "last_status_code", "last_error", "next_attempt_at", "created_at", "delivered_at")

# A run and its delivery in one statement on the driver (on PostgreSQL each statement is a round trip
# and a pool checkout, so one instead of two): all of the run for its details, its head (RunHead's
# fields, in its order) for its status.
_HEAD_COLUMNS = tuple(field.name for field in dataclasses.fields(RunHead))


def _with_delivery(run_columns: tuple[str, ...]) -> str:
    """These columns of a run by id, then its delivery's (all NULL when it has none)."""
    columns = [*(f'runs."{name}"' for name in run_columns), *(f'd."{name}"' for name in _DELIVERY_COLUMNS)]
    return f"SELECT {', '.join(columns)} FROM runs LEFT JOIN webhook_deliveries AS d ON d.run_id = runs.id WHERE runs.id = ? LIMIT 1"


_RUN_WITH_DELIVERY = _with_delivery(RUN_COLUMNS)
_HEAD_WITH_DELIVERY = _with_delivery(_HEAD_COLUMNS)


def _delivery(row: sa.Row[Any]) -> Delivery:
    m = row._mapping
    return Delivery(
        m["id"],
        m["run_id"],
        m["url"],
        m["state"],
        m["attempts"],
        m["last_status_code"],
        m["last_error"],
        m["next_attempt_at"],
        m["created_at"],
        m["delivered_at"],
    )


class WebhookStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def run_with_delivery(self, run_id: str) -> tuple[Run, Delivery | None]:
        """A run (RunNotFound) and its webhook's delivery, if it has one."""
        values, delivery = await self._read_with_delivery(_RUN_WITH_DELIVERY, len(RUN_COLUMNS), run_id)
        return run_from_tuple(values, json_as_text=self._db.hot.json_as_text), delivery

    async def head_with_delivery(self, run_id: str) -> tuple[RunHead, Delivery | None]:
        """A run's head (RunNotFound) and its webhook's delivery, if it has one."""
        values, delivery = await self._read_with_delivery(_HEAD_WITH_DELIVERY, len(_HEAD_COLUMNS), run_id)
        return RunHead(values[0], RunState(values[1]), *values[2:]), delivery

    async def _read_with_delivery(self, sql: str, split: int, run_id: str) -> tuple[tuple[Any, ...], Delivery | None]:
        """One of _with_delivery's statements: the run's `split` values (RunNotFound) and its delivery."""
        if not storable(run_id):
            raise RunNotFound(run_id)
        row = await self._db.hot.one(sql, (run_id,))
        if row is None:
            raise RunNotFound(run_id)
        return row[:split], Delivery(*row[split:]) if row[split] is not None else None

    async def claim(self, worker_id: str, now: int, limit: int) -> list[tuple[Delivery, Run]]:
        """Up to `limit` due deliveries of finished runs, each with its run, leased to this worker."""
        d = webhook_deliveries
        due = (
            sa.select(d.c.id)
            .select_from(d.join(runs, runs.c.id == d.c.run_id))
            .where(
                d.c.state == "pending",
                d.c.next_attempt_at <= now,
                sa.or_(d.c.lease_expires_at.is_(None), d.c.lease_expires_at < now),
                runs.c.state.in_(FINISHED),
            )
            .order_by(d.c.next_attempt_at)
            .limit(limit)
        )
        # A read first: with nothing due (the usual case) no write transaction is taken, so every
        # worker's look at each poll costs SQLite's write lock nothing.
        async with self._db.engine.connect() as conn:
            if (await conn.execute(due.limit(1))).first() is None:
                return []
        if self._db.kind == "postgresql":
            due = due.with_for_update(skip_locked=True, of=d)
        claim = (
            d.update()
            .where(d.c.id.in_(due.scalar_subquery()), d.c.state == "pending")
            .values(lease_owner=worker_id, lease_expires_at=now + int(LEASE_SECONDS * 1_000_000), attempts=d.c.attempts + 1)
            .returning(*d.c)
        )
        async with self._db.engine.begin() as conn:
            claimed = [_delivery(row) for row in (await conn.execute(claim)).all()]
            if not claimed:
                return []
            found = {row.id: run_from_row(row) for row in (await conn.execute(sa.select(runs).where(runs.c.id.in_([c.run_id for c in claimed])))).all()}
        return [(delivery, found[delivery.run_id]) for delivery in claimed if delivery.run_id in found]

    async def record(self, delivery_id: str, worker_id: str, now: int, *, status_code: int | None, error: str | None, retry_at: int | None) -> bool:
        """How an attempt went: delivered (no error), to be retried at `retry_at`, or failed for good (no retry_at)."""
        state = "delivered" if error is None else "pending" if retry_at is not None else "failed"
        values: dict[str, Any] = {"state": state, "last_status_code": status_code, "last_error": error, "lease_owner": None, "lease_expires_at": None}
        if state == "delivered":
            values["delivered_at"] = now
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        d = webhook_deliveries
        async with self._db.engine.begin() as conn:
            done = await conn.execute(d.update().where(d.c.id == delivery_id, d.c.lease_owner == worker_id, d.c.state == "pending").values(**values))
        return done.rowcount == 1

    async def signing_key(self) -> str:
        """The key every server and worker on this database signs webhooks with, made on first use."""
        async with self._db.engine.connect() as conn:
            value = (await conn.execute(sa.select(server_secrets.c.value).where(server_secrets.c.name == WEBHOOK_SECRET))).scalar()
        if value is not None:
            return str(value)
        try:
            async with self._db.engine.begin() as conn:
                await conn.execute(server_secrets.insert().values(name=WEBHOOK_SECRET, value=f"whsec_{secrets.token_urlsafe(32)}", created_at=now_us()))
        except IntegrityError:
            pass  # another server made it first: theirs is the key
        return await self.signing_key()
