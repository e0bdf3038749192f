"""Environments, the keys that speak for them, and who a request's key says it is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Environment:
    id: str
    name: str


@dataclass(frozen=True)
class Credential:
    """Who a request's key says it is."""

    key_id: str
    environment: Environment


@dataclass(frozen=True)
class ApiKey:
    id: str
    environment: Environment
    prefix: str
    created_at: int
    revoked_at: int | None
    expires_at: int | None = None  # epoch microseconds; None: never
    last_used_at: int | None = None
