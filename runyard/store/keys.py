"""Environments and their API keys."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from runyard.auth import ENVIRONMENT_NAME, new_secret, secret_hash, shown_prefix
from runyard.domain import ApiKey, Credential, Environment, InvalidEnvironment, KeyNotFound
from runyard.store.db import Database
from runyard.store.schema import api_keys, environments
from runyard.timeutil import now_us

__all__ = ["ApiKey", "Credential", "Environment", "InvalidEnvironment", "KeyNotFound", "KeyStore"]

LAST_USED_RESOLUTION_US = 60 * 1_000_000  # a key's last use is recorded to the minute


class KeyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def environment(self, name: str) -> Environment:
        """The environment of this name, created on first use."""
        if not ENVIRONMENT_NAME.match(name):
            raise InvalidEnvironment(f"invalid environment name {name!r}: use 1-32 lower-case letters, digits and '-'")
        for _ in range(2):
            async with self._db.engine.begin() as conn:
                row = (await conn.execute(sa.select(environments).where(environments.c.name == name))).first()
                if row is not None:
                    return Environment(row.id, row.name)
                env = Environment(f"env_{str(ULID()).lower()}", name)
                try:
                    await conn.execute(environments.insert().values(id=env.id, name=name, created_at=now_us()))
                except IntegrityError:
                    continue  # created at the same moment elsewhere: read it
                return env
        raise RuntimeError("unreachable")

    async def create_key(self, environment_name: str, *, expires_in_seconds: int | None = None) -> tuple[ApiKey, str]:
        """A new key for an environment (expiring after `expires_in_seconds`, if given); the secret is returned here and never again."""
        env = await self.environment(environment_name)
        secret = new_secret(env.name)
        created = now_us()
        expires_at = created + expires_in_seconds * 1_000_000 if expires_in_seconds is not None else None
        key = ApiKey(f"key_{str(ULID()).lower()}", env, shown_prefix(secret), created, None, expires_at)
        async with self._db.engine.begin() as conn:
            await conn.execute(
                api_keys.insert().values(
                    id=key.id, env_id=env.id, prefix=key.prefix, secret_hash=secret_hash(secret), created_at=created, expires_at=expires_at
                )
            )
        return key, secret

    async def authenticate(self, secret: str) -> Credential | None:
        """The key and environment of a live secret (not revoked, not expired), noting that it was used.

        Nothing is cached: a key revoked (or expired) is refused by every process at its next request.
        """
        now = now_us()
        query = (
            sa.select(api_keys.c.id.label("key_id"), api_keys.c.last_used_at, environments.c.id, environments.c.name)
            .select_from(api_keys.join(environments, api_keys.c.env_id == environments.c.id))
            .where(
                api_keys.c.secret_hash == secret_hash(secret),
                api_keys.c.revoked_at.is_(None),
                sa.or_(api_keys.c.expires_at.is_(None), api_keys.c.expires_at > now),
            )
        )
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        if row.last_used_at is None or row.last_used_at < now - LAST_USED_RESOLUTION_US:
            # At most one write a minute per key: a busy key must not turn every read into a write.
            async with self._db.engine.begin() as conn:
                await conn.execute(api_keys.update().where(api_keys.c.id == row.key_id).values(last_used_at=now))
        return Credential(row.key_id, Environment(row.id, row.name))

    async def list_keys(self) -> list[ApiKey]:
        query = (
            sa.select(api_keys, environments.c.name)
            .select_from(api_keys.join(environments, api_keys.c.env_id == environments.c.id))
            .order_by(api_keys.c.created_at)
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [ApiKey(r.id, Environment(r.env_id, r.name), r.prefix, r.created_at, r.revoked_at, r.expires_at, r.last_used_at) for r in rows]

    async def revoke(self, key_id: str) -> None:
        async with self._db.engine.begin() as conn:
            done = await conn.execute(api_keys.update().where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None)).values(revoked_at=now_us()))
            if done.rowcount == 0:
                exists = (await conn.execute(sa.select(api_keys.c.id).where(api_keys.c.id == key_id))).first()
                if exists is None:
                    raise KeyNotFound(key_id)
