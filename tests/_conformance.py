"""The apps schemathesis tests: a fresh SQLite store each, with a `dev` key and an admin key.

On the open app, native operations are called without a key (an admin of `default`, as a
single user on loopback calls them) and Trigger.dev and TrueFoundry operations with the `dev`
key; on the secured app (keys required) every operation is called with the admin key.
"""

from __future__ import annotations

import asyncio
from typing import Any
import tempfile
from dataclasses import dataclass
from pathlib import Path

import schemathesis
from starlette.types import ASGIApp

from runyard.store.db import open_database
from runyard.store.keys import KeyStore
from runyard.web.app import create_app

KEYED_PREFIXES = ("/trigger/", "/api/svc/")


@dataclass(frozen=True)
class ConformanceApp:
    database: Path
    app: ASGIApp
    dev: dict[str, str]  # headers with the dev key
    admin: dict[str, str]  # headers with an admin key (of `default`)
    require_keys: bool

    def headers(self, path: str) -> dict[str, str]:
        """What a case on this path is sent with (see the module's docstring)."""
        if self.require_keys:
            return self.admin
        return self.dev if path.startswith(KEYED_PREFIXES) else {}


def conformance_app(prefix: str, *, require_keys: bool = False) -> ConformanceApp:
    path = Path(tempfile.mkdtemp(prefix=prefix)) / "runyard.db"
    app = create_app(f"sqlite:///{path}", require_keys=require_keys)

    async def make_keys() -> tuple[str, str]:
        db = open_database(f"sqlite:///{path}")
        try:
            store = KeyStore(db)
            return (await store.create_key("dev"))[1], (await store.create_key("default", admin=True))[1]
        finally:
            await db.close()

    dev, admin = asyncio.run(make_keys())
    return ConformanceApp(path, app, {"Authorization": f"Bearer {dev}"}, {"Authorization": f"Bearer {admin}"}, require_keys)


def conformance_schema(conformance: ConformanceApp) -> Any:
    """The schema schemathesis tests the app against. Strings without NUL characters: the contract
    refuses them (its introduction says so; tests/test_bad_input.py proves it), a rule JSON Schema
    cannot state for every string of a free-form input."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", conformance.app)
    schema.config.generation.update(allow_x00=False)
    return schema
