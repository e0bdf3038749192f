"""PostgreSQL's LISTEN/NOTIFY: a process hears at once what another process stored.

Migration 0013 makes the database notify channel `runyard_ready` when runs are stored or go back
to the queue. A worker listens on a connection of its own and looks for runs when told, in
whichever process the run was submitted; its poll stays as the fallback (a listener that lost its
connection says so in the log and connects again). SQLite has no notifications: a run submitted
through a server wakes that server's own workers (RunService.when_runs_ready); other processes poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import psycopg

from runyard.store.db import Database

log = logging.getLogger("runyard.notify")

READY_CHANNEL = "runyard_ready"
RECONNECT_SECONDS = 1.0


async def listen(db: Database, channel: str, heard: Callable[[str | None], None], lost: Callable[[], None] | None = None) -> None:
    """Call `heard` with each notification's payload on `channel`, until cancelled (PostgreSQL only).

    `heard(None)` is called each time listening (re)starts: whatever was notified while this
    process was not listening is looked for then; `lost` when the connection drops."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(db.conninfo, autocommit=True) as connection:
                await connection.execute(f"LISTEN {channel}")
                heard(None)
                async for notice in connection.notifies():
                    heard(notice.payload)
        except psycopg.Error as exc:
            log.warning("listening on %s: %s; polling until it is back", channel, exc)
        if lost is not None:
            lost()
        await asyncio.sleep(RECONNECT_SECONDS)


@contextlib.asynccontextmanager
async def listening(db: Database, channel: str, heard: Callable[[str | None], None]) -> AsyncIterator[None]:
    """`listen` for the duration of the block (nothing on SQLite)."""
    task = asyncio.create_task(listen(db, channel, heard)) if db.kind == "postgresql" else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
