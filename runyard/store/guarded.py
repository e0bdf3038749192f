"""PostgreSQL's async engine, with the failures of the database itself turned into StoreUnavailable.

A pool with no free connection within its timeout, a server that refuses or drops connections, a
transaction the server aborted to break a deadlock: none is the request's fault and each passes, so
every API answers 503 with Retry-After (in its own shape) instead of a 500.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from runyard.domain import StoreUnavailable


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except PoolTimeout as exc:
        raise StoreUnavailable("Every database connection is busy; try again shortly") from exc
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(f"The database did not complete the request ({type(exc.orig).__name__}); try again shortly") from exc


class GuardedEngine:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @property
    def sync_engine(self) -> Engine:
        return self.engine.sync_engine

    @contextlib.asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        with unavailable_on_failure():
            async with self.engine.connect() as connection:
                yield connection

    @contextlib.asynccontextmanager
    async def begin(self, *, wait_seconds: float | None = None) -> AsyncIterator[AsyncConnection]:
        """A transaction. `wait_seconds` is SQLite's lock wait (InlineEngine): here the pool's timeout applies."""
        with unavailable_on_failure():
            async with self.engine.begin() as connection:
                yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()
