"""An engine for SQLite that runs statements inline on the event loop.

SQLite answers a read in tens of microseconds; sending every statement to a
thread and back (aiosqlite) cost far more than the statement itself (most of
a status request's time, measured with pyinstrument). Statements here never
suspend, so a transaction never interleaves with another coroutine of the same
process and cannot wait on a lock held by one. Other processes writing the same
file (standalone workers) can make a write wait, up to busy_timeout: SQLite is
the single-host default; PostgreSQL, with its native async driver, is the
scale-out path.

It offers the subset of SQLAlchemy's AsyncEngine/AsyncConnection that the store
uses: `async with engine.connect()` / `engine.begin()`, `await conn.execute()`,
`await conn.rollback()`, `await engine.dispose()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa


class InlineConnection:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Any, parameters: Any = None) -> sa.CursorResult[Any]:
        if parameters is None:
            return self._connection.execute(statement)
        return self._connection.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> sa.CursorResult[Any]:
        return self._connection.exec_driver_sql(statement, parameters)

    async def rollback(self) -> None:
        self._connection.rollback()

    async def commit(self) -> None:
        self._connection.commit()


class InlineEngine:
    def __init__(self, engine: sa.Engine) -> None:
        self.sync_engine = engine

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[InlineConnection]:
        with self.sync_engine.connect() as connection:
            yield InlineConnection(connection)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[InlineConnection]:
        with self.sync_engine.begin() as connection:
            yield InlineConnection(connection)

    async def dispose(self) -> None:
        self.sync_engine.dispose()
