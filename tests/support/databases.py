"""Test databases: one migrated template per session (PostgreSQL and SQLite), cloned per test.

Migrating costs more than copying: the session migrates one template database
(`runyard_template_<hex>`) and one template SQLite file, and every test database
is `CREATE DATABASE ... TEMPLATE` or a file copy of it. Apps and servers a test
starts still run the migrations at start; on a clone they find nothing to do.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import shutil
import sqlite3
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from runyard.store.db import open_database

PG_ADMIN_URL = os.environ.get("RUNYARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_unavailable_reason(admin_url: str = PG_ADMIN_URL) -> str | None:
    """Why PostgreSQL tests cannot run (no server answers), or None."""
    try:
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server to test against
        return f"no PostgreSQL answers at {admin_url}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}"
    return None


def pg_database_url(admin_url: str, name: str) -> str:
    """The postgresql:// URL of database `name` on the admin URL's server (the form users write)."""
    url = sa.engine.make_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")


def _admin(admin_url: str) -> sa.Engine:
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")


def create_pg_database(admin_url: str, name: str, template: str | None = None) -> str:
    """CREATE DATABASE `name` (a copy of `template` if given); returns its URL."""
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            clause = f' TEMPLATE "{template}"' if template else ""
            conn.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
    finally:
        admin.dispose()
    return pg_database_url(admin_url, name)


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = _admin(admin_url)
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def pg_template(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A migrated database to clone from, with no connection left open to it; dropped at the end. Yields its name."""
    name = unique_name("runyard_template")
    url = create_pg_database(admin_url, name)
    try:
        open_database(url)  # migrates; the migration's engine is disposed, so no connection stays open
        yield name
    finally:
        drop_pg_database(admin_url, name)


class _Dropper:
    """Drops this process's used test databases one after another in a thread of its own, while the
    next tests run: on PostgreSQL 15 a DROP DATABASE waits for a checkpoint, a second or two (up to
    four while other work writes), and a test's teardown waited for it. Its name is unique and no one
    connects to it again (WITH (FORCE) ends whatever a test left connected), so nothing waits for it
    to be gone; the process waits for the last drops when it exits."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def drop(self, admin_url: str, name: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="test-database-dropper", daemon=True)
                self._thread.start()
                atexit.register(self.wait)
        self._queue.put((admin_url, name))

    def wait(self) -> None:
        """Until every database handed over so far is dropped."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            admin_url, name = self._queue.get()
            try:
                drop_pg_database(admin_url, name)
            except Exception as exc:  # a database left behind is named, not a test failed
                print(f"tests: could not drop test database {name}: {exc}", file=sys.stderr)
            finally:
                self._queue.task_done()


_dropper = _Dropper()
wait_for_drops = _dropper.wait  # at the end of a test session (tests/conftest.py)


@contextlib.contextmanager
def pg_database(admin_url: str, template: str | None, prefix: str = "runyard_test") -> Iterator[str]:
    """A fresh database for a test or a module (a clone of `template`, or empty), dropped afterwards
    (in the background: _Dropper). Yields its URL."""
    name = unique_name(prefix)
    url = create_pg_database(admin_url, name, template)
    try:
        yield url
    finally:
        _dropper.drop(admin_url, name)


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy from (every connection closed, the WAL folded back in)."""
    path = directory / "template.db"
    open_database(f"sqlite:///{path}")
    return path


def sqlite_database(template: Path, path: Path) -> str:
    """A migrated SQLite file at `path`, copied from `template`; returns its URL."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class SqliteSnapshot:
    """Every row of a SQLite file as it is now, to put back later: a shared app's database made fresh again.

    restore() empties every table and inserts the rows taken here, in one
    transaction of its own connection; the app's pooled connections see the
    result on their next read (runyard keeps no state outside the database).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        with contextlib.closing(sqlite3.connect(path)) as conn:
            tables = [
                name
                for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")
            ]
            self.rows = {table: conn.execute(f'SELECT * FROM "{table}"').fetchall() for table in tables}

    def restore(self) -> None:
        with contextlib.closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            with conn:
                for table, rows in self.rows.items():
                    conn.execute(f'DELETE FROM "{table}"')
                    for row in rows:
                        conn.execute(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(row))})', row)
