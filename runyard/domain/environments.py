"""Environments, the keys that speak for them, and who a request's key says it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    id: str
    name: str


@dataclass(frozen=True)
class Credential:
    """Who a request speaks for: a key's environment and rights, or, without a key on an open
    server, an admin of the `default` environment (`key_id` None)."""

    key_id: str | None
    environment: Environment  # where what it submits belongs
    admin: bool = False

    @property
    def scope(self) -> str | None:
        """The one environment whose runs it may see (its own), or None for every environment (an admin)."""
        return None if self.admin else self.environment.id


@dataclass(frozen=True)
class ApiKey:
    id: str
    environment: Environment
    prefix: str
    created_at: int
    revoked_at: int | None
    expires_at: int | None = None  # epoch microseconds; None: never
    last_used_at: int | None = None
    admin: bool = False
