"""The service a request is served by, set per request by the app (runyard.web.app), and who
the request speaks for, as runyard.web.security hands it to the operations (`token_info`)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from typing import TYPE_CHECKING, TypedDict

from runyard.domain import Credential

if TYPE_CHECKING:
    from runyard.service import RunService


class TokenInfo(TypedDict):
    """Who a request speaks for, as connexion passes it on to an operation as `token_info`."""

    sub: str  # the environment's id
    credential: Credential
    secret: str | None  # the key presented (None: no key, on an open server)


_current: ContextVar[RunService] = ContextVar("runyard_service")


def current_service() -> RunService:
    return _current.get()


def use_service(service: RunService) -> Token[RunService]:
    """Make `service` current; returns the token to reset."""
    return _current.set(service)


def reset_service(token: Token[RunService]) -> None:
    _current.reset(token)
