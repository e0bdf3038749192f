"""Hot statements on the database driver itself, written once as text with bound parameters.

SQLAlchemy Core builds every statement anew, computes its cache key, looks up the compiled form
and processes every row of the result through its type machinery: for a status read that was two
thirds of the request's time (the profile in issue 17's note), while the SQL itself took 30 µs.
The few statements that every request or every run makes (a run by id, its webhook delivery, a
worker's claims, heartbeats and outcomes) are written once as text, in each driver's parameter
style, and run on the driver:

* SQLite: a connection of its own for reads, in autocommit (a read never opens a transaction, so
  it sees each commit as soon as it is made, as WAL readers do), run inline on the event loop like
  every SQLite statement here (runyard.store.inline explains why); it never waits on a lock. And
  one for writes, whose transactions take the write lock as runyard.store.inline does.
* PostgreSQL: psycopg's async connections from psycopg_pool, awaited directly (no greenlet bridge
  as SQLAlchemy's async engine needs), in autocommit. psycopg prepares a statement on a connection
  the fifth time it runs there, so the hot ones are parsed and planned once per connection.

Rows come back as tuples in the order of the columns asked for; the stores turn them into domain
values (runyard.store.runs.run_from_values).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Json, set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from runyard.domain import StoreUnavailable
from runyard.store import json_text
from runyard.store.inline import is_lock_error, write_locked

Row = tuple[Any, ...]


# A unique key or another constraint refused a write, from either driver.
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (sqlite3.IntegrityError, psycopg.IntegrityError)


class HotTransaction(Protocol):
    """Statements in one transaction on the driver (`?` for each parameter)."""

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None: ...

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]: ...

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    async def count(self, sql: str, params: Sequence[Any]) -> int:
        """Run a write; how many rows it changed."""
        ...

    def json(self, value: Any) -> Any:
        """A value for a JSON column, as this driver takes it."""
        ...


class HotStatements(Protocol):
    """Run a read on the driver: `sql` uses `?` for each parameter (translated per driver once)."""

    json_as_text: bool  # whether JSON columns come back as text to decode (SQLite) or decoded (psycopg)

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None: ...

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        """The rows of a read whose plan depends on its values (a list: which states, how deep a
        page): on PostgreSQL it is planned with them each time, never from a prepared, generic plan."""
        ...

    async def each_time(self, sql: str, params: Sequence[Any]) -> Row | None:
        """As `one`, planned with its values each time (see `all`)."""
        ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[HotTransaction]:
        """A write transaction (on SQLite: under the write lock, taken as runyard.store.inline takes it)."""
        ...

    def writes(self) -> contextlib.AbstractAsyncContextManager[HotTransaction]:
        """Writes each atomic on its own, for a caller whose statements need no transaction together:
        on PostgreSQL each commits by itself (autocommit: one round trip, no BEGIN and COMMIT); on
        SQLite they run as in transaction(), under the write lock."""
        ...

    async def close(self) -> None: ...


def _sqlite_json(value: Any) -> str:
    # As SQLAlchemy's JSON type writes it (Python None is JSON null, not SQL NULL).
    return json.dumps(value)


class _SQLiteTransaction:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None:
        row: Row | None = self._connection.execute(sql, params).fetchone()
        return row

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return self._connection.execute(sql, params).fetchall()

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    async def count(self, sql: str, params: Sequence[Any]) -> int:
        return self._connection.execute(sql, params).rowcount

    def json(self, value: Any) -> Any:
        return _sqlite_json(value)


@contextlib.contextmanager
def _unavailable_when_locked() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreUnavailable("The database is locked by another process; try again shortly") from exc
        raise


class SQLiteStatements:
    json_as_text = True

    def __init__(self, path: str, *, wait_seconds: float) -> None:
        self._path = path
        self._wait_seconds = wait_seconds
        self._connection: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        # One transaction at a time on the one write connection. None suspends once it has the
        # write lock (every statement here runs inline), but a writer waiting for another process's
        # lock must not begin inside one that has it.
        self._writing = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[HotTransaction]:
        """On a sqlite3 connection of its own, not SQLAlchemy's pool: checking a connection out, and
        beginning and committing through SQLAlchemy, cost as much as a claim's statement (about
        100 µs a transaction). The write lock is taken as InlineEngine takes it."""
        async with self._writing:
            connection = self._write_connection()
            with _unavailable_on_lock():
                await write_locked(lambda: connection.execute("BEGIN IMMEDIATE"), self._wait_seconds)
                try:
                    yield _SQLiteTransaction(connection)
                except BaseException:
                    if connection.in_transaction:  # (an error SQLite rolled back itself left none)
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")

    def _write_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            # As runyard.store.db's pragmas for the inline engine; autocommit, so that BEGIN and COMMIT are ours.
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            for pragma in ("synchronous=NORMAL", "busy_timeout=0", "foreign_keys=ON"):
                connection.execute(f"PRAGMA {pragma}")
            self._writer = connection
        return self._writer

    def writes(self) -> contextlib.AbstractAsyncContextManager[HotTransaction]:
        # SQLite's single writer makes a transaction no dearer than the statement alone.
        return self.transaction()

    def _reader(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            # busy_timeout 0: a WAL read needs no lock; should one ever be refused, the request is a
            # 503 rather than a frozen event loop (as for every statement on the loop).
            connection.execute("PRAGMA busy_timeout=0")
            self._connection = connection
        return self._connection

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None:
        with _unavailable_when_locked():
            row: Row | None = self._reader().execute(sql, params).fetchone()
        return row

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with _unavailable_when_locked():
            rows: list[Row] = self._reader().execute(sql, params).fetchall()
        return rows

    async def each_time(self, sql: str, params: Sequence[Any]) -> Row | None:
        return await self.one(sql, params)  # SQLite's planner does not look at bound values

    async def close(self) -> None:
        for connection in (self._connection, self._writer):
            if connection is not None:
                connection.close()
        self._connection = self._writer = None


@contextlib.contextmanager
def _unavailable_on_lock() -> Iterator[None]:
    """A lock error inside a transaction (another process's lock, met where no wait was possible) is StoreUnavailable."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if is_lock_error(exc):
            raise StoreUnavailable("The database is locked by another process; try again shortly") from exc
        raise


_PLACEHOLDER = re.compile(r"\?")
_MAX_TEXTS = 2_000


def numbered_placeholders(sql: str) -> str:
    """`?` -> `$1`, `$2`, ...: PostgreSQL's own parameters, which psycopg's raw cursors send as they are.

    With psycopg's `%s` placeholders every execution splits the query text to find them again, and
    psycopg caches that split only for a text up to 4,096 bytes: a worker's outcome-and-claim
    (RunQueue.finish_and_claim) is longer, and its split took 47 µs of each run's path, against 4 µs
    for a raw query (timed on its text, this host, issue 17)."""
    numbers = itertools.count(1)
    return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", sql)


@contextlib.contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    """A pool with no free connection in time, a refused or dropped connection, a lock wait past
    lock_timeout: StoreUnavailable (a 503 with Retry-After), as runyard.store.guarded makes them."""
    try:
        yield
    except PoolTimeout as exc:
        raise StoreUnavailable("Every database connection is busy; try again shortly") from exc
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"The database did not complete the request ({type(exc).__name__}); try again shortly") from exc


async def _configure(connection: psycopg.AsyncConnection[Any]) -> None:
    # JSON columns decode with orjson where it gives the standard decoder's value (store/json_text):
    # psycopg's json.loads of a native list page's tags took a tenth of its CPU.
    set_json_loads(json_text.loads, connection)


class PostgresStatements:
    json_as_text = False

    def __init__(self, conninfo: str, *, wait_seconds: float, max_size: int, options: str) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=max_size,
            timeout=wait_seconds,
            # Database._session_options; raw cursors take the statements as numbered_placeholders writes them.
            kwargs={"autocommit": True, "options": options, "cursor_factory": psycopg.AsyncRawCursor},
            configure=_configure,
            open=False,
        )
        self._opened: asyncio.Task[None] | None = None
        self._texts: dict[str, str] = {}

    def _text(self, sql: str) -> str:
        text = self._texts.get(sql)
        if text is None:
            if len(self._texts) >= _MAX_TEXTS:  # lists vary in shape (IN lists of any length): stay bounded
                self._texts.clear()
            text = self._texts[sql] = numbered_placeholders(sql)
        return text

    async def _open(self) -> None:
        if self._opened is None:
            self._opened = asyncio.ensure_future(self._pool.open(wait=False))
        await self._opened

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None:
        rows = await self._read(sql, params, prepare=None, every_row=False)
        return rows[0] if rows else None

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        return await self._read(sql, params, prepare=False, every_row=True)

    async def each_time(self, sql: str, params: Sequence[Any]) -> Row | None:
        rows = await self._read(sql, params, prepare=False, every_row=False)
        return rows[0] if rows else None

    async def _read(self, sql: str, params: Sequence[Any], *, prepare: bool | None, every_row: bool) -> list[Row]:
        """A read on a pooled connection. prepare=None lets psycopg prepare the statement after its
        fifth run on a connection (a lookup, whose plan does not depend on its values); prepare=False
        sends an unnamed statement, planned with the values bound to it: a prepared statement falls
        back to a generic plan after five runs, which knows neither the states asked for nor the
        LIMIT, and on 10,000,000 runs a list page's generic plan was costed at 665,000 (JIT then
        compiled it for 84 ms; sessions now run with jit off, Database._session_options)."""
        await self._open()
        with _unavailable_on_failure():
            async with self._pool.connection() as connection:
                cursor = await connection.execute(self._text(sql), params, prepare=prepare)
                if every_row:
                    return await cursor.fetchall()
                row = await cursor.fetchone()
                return [row] if row is not None else []

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[HotTransaction]:
        await self._open()
        with _unavailable_on_failure():
            async with self._pool.connection() as connection, connection.transaction():
                yield _PostgresTransaction(connection, self._text)

    @contextlib.asynccontextmanager
    async def writes(self) -> AsyncIterator[HotTransaction]:
        await self._open()
        with _unavailable_on_failure():
            async with self._pool.connection() as connection:  # in autocommit (the pool's kwargs)
                yield _PostgresTransaction(connection, self._text)

    async def close(self) -> None:
        if self._opened is not None:
            await self._pool.close()
            self._opened = None


class _PostgresTransaction:
    def __init__(self, connection: psycopg.AsyncConnection[Any], text: Callable[[str], str]) -> None:
        self._connection = connection
        self._text = text

    async def one(self, sql: str, params: Sequence[Any]) -> Row | None:
        cursor = await self._connection.execute(self._text(sql), params)
        return await cursor.fetchone() if cursor.description is not None else None

    async def all(self, sql: str, params: Sequence[Any]) -> list[Row]:
        cursor = await self._connection.execute(self._text(sql), params)
        return await cursor.fetchall()

    async def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self._connection.cursor() as cursor:
            await cursor.executemany(self._text(sql), rows)

    async def count(self, sql: str, params: Sequence[Any]) -> int:
        cursor = await self._connection.execute(self._text(sql), params)
        return cursor.rowcount

    def json(self, value: Any) -> Any:
        return Json(value)
