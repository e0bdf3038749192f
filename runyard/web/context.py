"""The service a request is served by, set per request by the app (runyard.web.app), and what
connexion's bearer check hands the operations that take a key."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, TypedDict

from runyard.domain import Environment

if TYPE_CHECKING:
    from runyard.service import RunService


class TokenInfo(TypedDict):
    """A valid key, as runyard.web.app.bearer_info answers and connexion passes on as `token_info`."""

    sub: str  # the environment's id
    environment: Environment
    key_id: str
    secret: str


_current: ContextVar[RunService] = ContextVar("runyard_service")


def current_service() -> RunService:
    return _current.get()


def use_service(service: RunService) -> Token[RunService]:
    """Make `service` current; returns the token to reset."""
    return _current.set(service)


def reset_service(token: Token[RunService]) -> None:
    _current.reset(token)
