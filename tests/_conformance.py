"""The app schemathesis tests: a fresh SQLite store and a `dev` key for the /trigger and TrueFoundry operations."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from starlette.types import ASGIApp

from runyard.web.app import create_app
from runyard.store.db import open_database
from runyard.store.keys import KeyStore


def conformance_app(prefix: str) -> tuple[Path, ASGIApp, dict[str, str]]:
    """(database file, app, headers with a key): the other operations ignore the key."""
    path = Path(tempfile.mkdtemp(prefix=prefix)) / "runyard.db"
    app = create_app(f"sqlite:///{path}")

    async def make_key() -> str:
        db = open_database(f"sqlite:///{path}")
        try:
            return (await KeyStore(db).create_key("dev"))[1]
        finally:
            await db.close()

    return path, app, {"Authorization": f"Bearer {asyncio.run(make_key())}"}
