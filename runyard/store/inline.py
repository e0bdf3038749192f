"""An engine for SQLite that runs statements inline on the event loop, and never waits on a lock there.

SQLite answers a read in tens of microseconds; sending every statement to a
thread and back (aiosqlite) cost far more than the statement itself (most of
a status request's time, measured with pyinstrument). Statements here never
suspend, so a transaction never interleaves with another coroutine of the same
process and cannot wait on a lock held by one.

Another process can hold the file's write lock, though (a standalone worker, a
backup, someone's `BEGIN EXCLUSIVE`). Waiting for it inside SQLite (busy_timeout)
would freeze the event loop and with it the whole server, reads included. So a
connection here never waits inside SQLite (busy_timeout 0): a write transaction
first takes the write lock with `BEGIN IMMEDIATE`, and when the lock is taken it
gives the connection back, sleeps asynchronously and tries again, until
`lock_wait_seconds` have passed; then it raises StoreUnavailable (a 503 with
Retry-After on every API). Reads need no lock in WAL mode and go on meanwhile.

It offers the subset of SQLAlchemy's AsyncEngine/AsyncConnection that the store
uses: `async with engine.connect()` / `engine.begin()`, `await conn.execute()`,
`await conn.rollback()`, `await engine.dispose()`; and `write_in_thread` for the one
write long enough to stall the loop (retention's batches of deletes).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from runyard.domain import StoreUnavailable

T = TypeVar("T")

_FIRST_PAUSE = 0.002  # seconds between tries for the write lock, doubling up to the last
_LAST_PAUSE = 0.05


def is_lock_error(error: OperationalError | sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock (SQLITE_BUSY / SQLITE_LOCKED),
    as SQLAlchemy raises it or as sqlite3 itself does."""
    orig = error.orig if isinstance(error, OperationalError) else error
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(orig)


async def write_locked(begin: Callable[[], T], wait_seconds: float) -> T:
    """`begin()`, which takes the write lock (`BEGIN IMMEDIATE`) or raises SQLite's lock error, tried
    again after an asynchronous pause while another process holds the lock, for up to `wait_seconds`;
    then StoreUnavailable. The loop never waits inside SQLite."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    pause = _FIRST_PAUSE
    while True:
        try:
            return begin()
        except (OperationalError, sqlite3.OperationalError) as exc:
            if not is_lock_error(exc):
                raise
            if loop.time() + pause > deadline:
                raise StoreUnavailable(f"The database's write lock has been held by another process for {wait_seconds:g} s; try again shortly") from exc
        await asyncio.sleep(pause)
        pause = min(pause * 2, _LAST_PAUSE)


@contextlib.contextmanager
def unavailable_on_lock() -> Iterator[None]:
    """A lock error becomes StoreUnavailable: the caller's request is refused, never stalled."""
    try:
        yield
    except OperationalError as exc:
        if is_lock_error(exc):
            raise StoreUnavailable("The database is locked by another process; try again shortly") from exc
        raise


class InlineConnection:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Any, parameters: Any = None) -> sa.CursorResult[Any]:
        if parameters is None:
            return self._connection.execute(statement)
        return self._connection.execute(statement, parameters)

    async def exec_driver_sql(self, statement: str, parameters: Any = None) -> sa.CursorResult[Any]:
        return self._connection.exec_driver_sql(statement, parameters)

    @property
    def driver(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, in this connection's transaction (runyard.store.driver)."""
        driver = self._connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        return driver

    async def rollback(self) -> None:
        self._connection.rollback()

    async def commit(self) -> None:
        self._connection.commit()


class InlineEngine:
    def __init__(self, engine: sa.Engine, *, lock_wait_seconds: float) -> None:
        self.sync_engine = engine
        self.lock_wait_seconds = lock_wait_seconds

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[InlineConnection]:
        with unavailable_on_lock(), self.sync_engine.connect() as connection:
            yield InlineConnection(connection)

    @contextlib.asynccontextmanager
    async def begin(self, *, wait_seconds: float | None = None) -> AsyncIterator[InlineConnection]:
        """A write transaction; waits up to `wait_seconds` (default: the engine's) for the write lock."""
        connection = await self._locked(self.lock_wait_seconds if wait_seconds is None else wait_seconds)
        with unavailable_on_lock(), connection:
            try:
                yield InlineConnection(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    async def write_in_thread(self, work: Callable[[sa.Connection], T], *, wait_seconds: float | None = None) -> T:
        """`work` in a write transaction run on a worker thread, for a write long enough to be felt
        (retention's batches of deletes): the loop goes on answering meanwhile, since SQLite lets go
        of the GIL inside a statement and reads need no lock in WAL mode. The write lock is taken
        as begin() takes it, on the loop. From then on the thread owns the connection: it commits
        (or rolls back) and closes it even if the caller is cancelled meanwhile."""
        connection = await self._locked(self.lock_wait_seconds if wait_seconds is None else wait_seconds)

        def run() -> T:
            with unavailable_on_lock(), connection:
                try:
                    done = work(connection)
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
                return done

        return await asyncio.to_thread(run)

    async def _locked(self, wait_seconds: float) -> sa.Connection:
        """A connection holding the write lock (`BEGIN IMMEDIATE`), taken without blocking the loop.

        Between tries the connection goes back to the pool, so writers waiting for another
        process's lock hold no connection (the pool would otherwise run dry and block)."""

        def begin() -> sa.Connection:
            connection = self.sync_engine.connect()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                connection.close()
                raise
            return connection

        return await write_locked(begin, wait_seconds)

    async def dispose(self) -> None:
        self.sync_engine.dispose()
