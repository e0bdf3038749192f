"""The service a request is served by, set per request by the app (runyard.web.app)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runyard.service import RunService

_current: ContextVar["RunService"] = ContextVar("runyard_service")


def current_service() -> "RunService":
    return _current.get()


def use_service(service: "RunService"):
    """Make `service` current; returns the token to reset."""
    return _current.set(service)


def reset_service(token) -> None:
    _current.reset(token)
