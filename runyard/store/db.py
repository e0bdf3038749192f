"""Opening a database: URL normalisation, engine set-up, migrations at start."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from runyard.settings import DEFAULT_STORE_WAIT_SECONDS
from runyard.store.driver import HotStatements, PostgresStatements, SQLiteStatements
from runyard.store.guarded import GuardedEngine
from runyard.store.inline import InlineEngine

HOT_POOL_SIZE = 10  # PostgreSQL connections for the hot statements, beside SQLAlchemy's pool (5 + 10 overflow)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def storable(*texts: str | None) -> bool:
    """Whether every text could be in the store: none holds a NUL character, which PostgreSQL refuses
    in text (an error, not "no match"). A lookup by such a text finds nothing on either store."""
    return not any(text is not None and "\x00" in text for text in texts)


class UnsupportedDatabase(ValueError):
    pass


@dataclass(frozen=True)
class DatabaseUrls:
    kind: str  # "sqlite" or "postgresql"
    sync: str


def normalise_url(url: str) -> DatabaseUrls:
    """Accept the URLs people write (sqlite:///file.db, postgresql://...) and pick our drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise UnsupportedDatabase("runyard needs a SQLite file, not an in-memory database")
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        database = str(Path(parsed.database).expanduser())
        return DatabaseUrls("sqlite", parsed.set(drivername="sqlite+pysqlite", database=database).render_as_string(hide_password=False))
    if backend in ("postgresql", "postgres"):
        # psycopg 3 is one driver for both: SQLAlchemy's async engine uses its async side.
        return DatabaseUrls("postgresql", parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
    raise UnsupportedDatabase(f"unsupported database URL scheme {parsed.drivername!r}; use sqlite:/// or postgresql://")


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # WAL lets readers go on while one writer writes; busy_timeout makes
    # concurrent writers wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_inline_pragmas(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    # On the event loop nothing may wait inside SQLite: the InlineEngine waits for locks itself.
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=0")
    cursor.close()


def _sqlite_migration_pragmas(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
    # A migration may rebuild a table (SQLite's only way to change a constraint): with foreign keys
    # on, dropping the old `runs` would cascade-delete every run's tags.
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.close()


@contextlib.contextmanager
def _sqlite_migration_lock(urls: DatabaseUrls) -> Iterator[None]:
    """One migration at a time on a SQLite file, as the advisory lock does on PostgreSQL.

    SQLite begins a transaction lazily, so two servers starting at once on a fresh file both find
    no tables and both create them. An exclusive flock on the file itself (independent of SQLite's
    own fcntl locks) makes the second wait and then find the schema in place.
    """
    database = make_url(urls.sync).database
    if urls.kind != "sqlite" or not database or database == ":memory:":
        yield
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("ab") as handle:  # an empty file is a new SQLite database
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(urls: DatabaseUrls) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    with _sqlite_migration_lock(urls):
        _migrate(urls)


def _migrate(urls: DatabaseUrls) -> None:
    engine = sa.create_engine(urls.sync)
    if urls.kind == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_migration_pragmas)
    try:
        with engine.begin() as connection:
            if urls.kind == "postgresql":
                # Several servers may start at once on one database: one migrates at a time.
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(72410)"))
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


T = TypeVar("T")


def _of_this_loop(made: dict[int, tuple[asyncio.AbstractEventLoop, T]], make: Callable[[], T]) -> T:
    """What `make` made for the running event loop, made on first use (a loop's id may be reused
    once it is gone: the loop itself is compared too)."""
    loop = asyncio.get_running_loop()
    entry = made.get(id(loop))
    if entry is None or entry[0] is not loop:
        entry = made[id(loop)] = (loop, make())
    return entry[1]


class Database:
    """An open database: one async engine per event loop.

    Pooled async connections belong to the loop that opened them; a server has
    one loop, but test clients and CLIs may call from several in turn.

    `wait_seconds` bounds how long a statement waits for what it needs before StoreUnavailable:
    SQLite's write lock (held by another process), a PostgreSQL connection from the pool.
    """

    def __init__(self, urls: DatabaseUrls, *, wait_seconds: float = DEFAULT_STORE_WAIT_SECONDS, workers: bool = False) -> None:
        self.urls = urls
        self.wait_seconds = wait_seconds
        self.workers = workers  # a worker's: its hot statements are planned as _hot_options says
        self._engines: dict[int, tuple[asyncio.AbstractEventLoop, GuardedEngine | InlineEngine]] = {}
        self._hot: dict[int, tuple[asyncio.AbstractEventLoop, HotStatements]] = {}

    def separate(self) -> Database:
        """The same store over connections of its own, for a worker (embedded or standalone): its
        heartbeats and outcomes never wait behind API requests (or a thousand open streams) for a
        connection, and its claims are planned as _hot_options says."""
        return Database(self.urls, wait_seconds=self.wait_seconds, workers=True)

    @property
    def kind(self) -> str:
        return self.urls.kind

    @property
    def engine(self) -> GuardedEngine | InlineEngine:
        return _of_this_loop(self._engines, self._new_engine)

    @property
    def hot(self) -> HotStatements:
        """The driver itself, for the few hot statements (runyard.store.driver); one per event loop."""
        return _of_this_loop(self._hot, self._new_hot)

    @property
    def sqlite_path(self) -> str:
        """SQLite: the database file."""
        return str(make_url(self.urls.sync).database)

    @property
    def conninfo(self) -> str:
        """PostgreSQL: the URL as psycopg takes it, for connections of runyard's own."""
        return make_url(self.urls.sync).set(drivername="postgresql").render_as_string(hide_password=False)

    def _new_hot(self) -> HotStatements:
        if self.kind == "sqlite":
            return SQLiteStatements(str(make_url(self.urls.sync).database), wait_seconds=self.wait_seconds)
        return PostgresStatements(
            self.conninfo,
            wait_seconds=self.wait_seconds,
            max_size=HOT_POOL_SIZE,
            options=self._hot_options,
        )

    @property
    def _hot_options(self) -> str:
        """A worker's hot statements (claims, outcomes, heartbeats: runyard.store.queue) run with
        enable_sort=off and enable_seqscan=off: every one of them finds its rows by an index, and
        statistics taken while the table was small or the queue empty made PostgreSQL plan otherwise.
        - A claim takes the first ready runs in claim order, which ix_runs_claim_order gives as it is
          walked. With statistics taken while the queue was empty, PostgreSQL estimated 2 queued runs
          and planned instead to read every queued run by ix_runs_state_created, check each for its
          limits and sort them all, for every claim: 7-16 ms a claim behind 3,900 queued runs
          (auto_explain, issue 17), where walking the index stops at the first ready run.
        - A claim then updates the runs it took by key. With statistics from when the table held a
          page of runs, the prepared (generic) plan read the whole table to find them, in every
          claim of a drain of 500 runs (auto_explain, issue 17): a cost that grows with the table.
        No other statement of a worker's hot connections sorts or reads a table whole: a sort or a
        whole read one still needs is planned anyway (the settings only make them dear)."""
        return self._session_options + (" -c enable_sort=off -c enable_seqscan=off" if self.workers else "")

    @property
    def _session_options(self) -> str:
        """Every PostgreSQL session's settings (libpq `options`).

        lock_timeout: a statement waiting on a lock (a table someone locked, a row another
        transaction holds) gives up after the store's wait, and the request is a 503 instead of a hang.
        jit=off: PostgreSQL compiles a plan whose estimated cost passes jit_above_cost; on 10,000,000
        runs a page whose plan was costed high (a generic plan, a count) spent 80-130 ms compiling
        for a statement that then ran in under a millisecond. runyard's statements are short
        lookups and index ranges, which compiling never pays back.
        """
        return f"-c lock_timeout={max(1, int(self.wait_seconds * 1000))} -c jit=off"

    def _new_engine(self) -> GuardedEngine | InlineEngine:
        if self.kind == "sqlite":
            engine = sa.create_engine(self.urls.sync)
            sa.event.listen(engine, "connect", _sqlite_inline_pragmas)
            return InlineEngine(engine, lock_wait_seconds=self.wait_seconds)
        # No pre-ping: it cost a round trip (~0.4 ms) on every checkout; a dropped connection is
        # invalidated by SQLAlchemy on its first error instead.
        return GuardedEngine(
            create_async_engine(self.urls.sync, pool_recycle=1800, pool_timeout=self.wait_seconds, connect_args={"options": self._session_options})
        )

    async def close(self) -> None:
        """Dispose of the engine of the running loop (the others' loops are gone)."""
        loop = asyncio.get_running_loop()
        entry = self._engines.pop(id(loop), None)
        if entry is not None:
            await entry[1].dispose()
        hot = self._hot.pop(id(loop), None)
        if hot is not None:
            await hot[1].close()


def open_database(url: str, *, run_migrations: bool = True, wait_seconds: float = DEFAULT_STORE_WAIT_SECONDS) -> Database:
    urls = normalise_url(url)
    if run_migrations:
        migrate(urls)
    return Database(urls, wait_seconds=wait_seconds)
