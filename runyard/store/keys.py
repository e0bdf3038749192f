"""Environments and their API keys."""

from __future__ import annotations

import contextlib
import hmac
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from runyard.auth import ENVIRONMENT_NAME, new_secret, secret_hash, shown_prefix
from runyard.domain import ApiKey, Credential, Environment, InvalidEnvironment, KeyNotFound, StoreUnavailable
from runyard.store.db import Database, storable
from runyard.store.schema import api_keys, environments
from runyard.timeutil import now_us

__all__ = ["ApiKey", "Credential", "Environment", "InvalidEnvironment", "KeyNotFound", "KeyStore"]

LAST_USED_RESOLUTION_US = 60 * 1_000_000  # a key's last use is recorded to the minute
# A live key by its secret's hash (not revoked, not expired at the given time), with its environment.
_LIVE_KEY = (
    "SELECT api_keys.id, api_keys.secret_hash, api_keys.admin, api_keys.last_used_at, environments.id, environments.name "
    "FROM api_keys JOIN environments ON api_keys.env_id = environments.id "
    "WHERE api_keys.secret_hash = ? AND api_keys.revoked_at IS NULL AND (api_keys.expires_at IS NULL OR api_keys.expires_at > ?)"
)


class KeyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def environment(self, name: str) -> Environment:
        """The environment of this name, created on first use."""
        if not ENVIRONMENT_NAME.match(name):
            raise InvalidEnvironment(f"invalid environment name {name!r}: use 1-32 lower-case letters, digits and '-'")
        for _ in range(2):
            found = await self.find_environment(name)
            if found is not None:
                return found
            env = Environment(f"env_{str(ULID()).lower()}", name)
            try:
                async with self._db.engine.begin() as conn:
                    await conn.execute(environments.insert().values(id=env.id, name=name, created_at=now_us()))
            except IntegrityError:
                continue  # created at the same moment elsewhere: read it
            return env
        raise RuntimeError("unreachable")

    async def find_environment(self, name: str) -> Environment | None:
        """The environment of this name, if there is one (nothing is created)."""
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(sa.select(environments).where(environments.c.name == name))).first()
        return None if row is None else Environment(row.id, row.name)

    async def environments_by_id(self, ids: set[str]) -> dict[str, Environment]:
        """The environments of these ids (those that exist)."""
        if not ids:
            return {}
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(environments).where(environments.c.id.in_(sorted(ids))))).all()
        return {row.id: Environment(row.id, row.name) for row in rows}

    async def list_environments(self) -> list[Environment]:
        """Every environment, by name (they are few: one per deployment stage)."""
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(sa.select(environments).order_by(environments.c.name))).all()
        return [Environment(row.id, row.name) for row in rows]

    async def environment_by_id(self, env_id: str) -> Environment:
        found = (await self.environments_by_id({env_id})).get(env_id)
        if found is None:
            raise InvalidEnvironment(f"no environment {env_id!r}")
        return found

    async def create_key(self, environment_name: str, *, admin: bool = False, expires_in_seconds: int | None = None) -> tuple[ApiKey, str]:
        """A new key for an environment (an admin key with `admin`; expiring after `expires_in_seconds`, if given).

        The secret is returned here and never again.
        """
        env = await self.environment(environment_name)
        secret = new_secret(env.name)
        created = now_us()
        expires_at = created + expires_in_seconds * 1_000_000 if expires_in_seconds is not None else None
        key = ApiKey(f"key_{str(ULID()).lower()}", env, shown_prefix(secret), created, None, expires_at, admin=admin)
        async with self._db.engine.begin() as conn:
            await conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    env_id=env.id,
                    prefix=key.prefix,
                    secret_hash=secret_hash(secret),
                    created_at=created,
                    expires_at=expires_at,
                    admin=admin,
                )
            )
        return key, secret

    async def authenticate(self, secret: str) -> Credential | None:
        """The key and environment of a live secret (not revoked, not expired), noting that it was used.

        Nothing is cached: a key revoked (or expired) is refused by every process at its next request.
        The secret is found by its SHA-256 (an index lookup whose timing says nothing about the secret)
        and the stored hash is compared again in constant time.
        """
        now = now_us()
        digest = secret_hash(secret)
        # On the driver (runyard.store.driver): every keyed request makes this read.
        found = await self._db.hot.one(_LIVE_KEY, (digest, now))
        if found is None:
            return None
        key_id, stored_hash, admin, last_used_at, env_id, env_name = found
        if not hmac.compare_digest(stored_hash, digest):
            return None
        if last_used_at is None or last_used_at < now - LAST_USED_RESOLUTION_US:
            # At most one write a minute per key: a busy key must not turn every read into a write.
            # Best effort: while another process holds the store's write lock, reads still answer.
            with contextlib.suppress(StoreUnavailable):
                async with self._db.engine.begin(wait_seconds=0) as conn:
                    await conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=now))
        return Credential(key_id, Environment(env_id, env_name), admin=bool(admin))

    async def list_keys(self) -> list[ApiKey]:
        query = _KEYS.order_by(api_keys.c.created_at)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_key(r) for r in rows]

    async def get_key(self, key_id: str) -> ApiKey:
        if not storable(key_id):
            raise KeyNotFound(key_id)
        query = _KEYS.where(api_keys.c.id == key_id)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise KeyNotFound(key_id)
        return _key(row)

    async def revoke(self, key_id: str) -> ApiKey:
        """Revoke a key (once: revoking it again changes nothing); the key afterwards."""
        if not storable(key_id):
            raise KeyNotFound(key_id)
        async with self._db.engine.begin() as conn:
            await conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=now_us()))
        return await self.get_key(key_id)


# Keys with their environment's name, as _key reads them.
_KEYS = sa.select(api_keys, environments.c.name).select_from(api_keys.join(environments, api_keys.c.env_id == environments.c.id))


def _key(row: sa.Row[Any]) -> ApiKey:
    return ApiKey(row.id, Environment(row.env_id, row.name), row.prefix, row.created_at, row.revoked_at, row.expires_at, row.last_used_at, bool(row.admin))
