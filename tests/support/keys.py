"""API keys created straight in a store, as `runyard keys create` would."""

from __future__ import annotations

import asyncio
from typing import Any

from runyard.store.db import open_database
from runyard.store.keys import ApiKey, KeyStore


def with_key_store(url: str, action: Any) -> Any:
    """Run `await action(KeyStore)` on a (migrated) database, on a loop of its own."""

    async def run() -> Any:
        db = open_database(url, run_migrations=False)
        try:
            return await action(KeyStore(db))
        finally:
            await db.close()

    return asyncio.run(run())


def create_keys(url: str, environments: dict[str, str]) -> dict[str, tuple[ApiKey, str]]:
    """One key per role, in the environment named for it: {role: (key, secret)}."""

    async def create(store: KeyStore) -> dict[str, tuple[ApiKey, str]]:
        return {role: await store.create_key(name) for role, name in environments.items()}

    return with_key_store(url, create)


def revoke_key(url: str, key_id: str) -> None:
    with_key_store(url, lambda store: store.revoke(key_id))
