"""Fresh, empty databases for a benchmark: a SQLite file, or a new PostgreSQL database, dropped after."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


@dataclass
class Store:
    kind: str
    url: str
    cleanup: Callable[[], None]  # drops it


def make_store(kind: str, work: Path, pg_admin: str, *, prefix: str = "bench") -> Store:
    """A fresh, empty database of this kind: a SQLite file in `work` (`runyard-<prefix>-....db`), or a
    new PostgreSQL database (`runyard_<prefix>_...`) on `pg_admin`'s server."""
    if kind == "sqlite":
        path = work / f"runyard-{prefix}-{uuid.uuid4().hex[:8]}.db"

        def drop_file() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return Store(kind, f"sqlite:///{path}", drop_file)
    name = f"runyard_{prefix}_{uuid.uuid4().hex[:10]}"
    admin_url = sa.engine.make_url(pg_admin).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop_db() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    url = admin_url.set(database=name).render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://")
    return Store(kind, url, drop_db)
