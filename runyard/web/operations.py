"""The innermost app behind connexion's middlewares: it calls an operation's handler.

connexion's own (connexion.apps.asynchronous, behind ``AsyncApp``) does the same, with one cost
that buys nothing: for every request it builds the handler's decorators again, which means a new
``StarletteDecorator``, four ``functools.wraps`` and ``inspect.signature`` of the handler. None of
that depends on the request. Here each operation's handler is decorated once, when the API is
added, with connexion's own decorators; a request only builds its ``ConnexionRequest`` (with the
operation's URI parser) and awaits them. Routing, security, validation, parameter parsing and the
response's rendering are connexion's, unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import receive, scope
from connexion.decorators import StarletteDecorator
from connexion.jsonifier import Jsonifier
from connexion.operations import AbstractOperation
from starlette.types import Receive, Scope, Send


class _DecoratedOnce(StarletteDecorator):  # type: ignore[misc]
    """connexion's StarletteDecorator, with its decorators applied once rather than per request."""

    def __call__(self, function: Callable[..., Any]) -> Callable[[], Awaitable[Any]]:
        decorated = self.decorate(function)

        @functools.wraps(function)
        async def wrapper() -> Any:
            request = self.framework.get_request(uri_parser=self.uri_parser, scope=scope, receive=receive)
            return await decorated(request)

        return wrapper


class _Operation(AsyncOperation):  # type: ignore[misc]
    """One operation's handler, decorated when the API is added."""

    def __init__(self, fn: Callable[..., Any], jsonifier: Jsonifier, operation_id: str, pythonic_params: bool) -> None:
        super().__init__(fn, jsonifier=jsonifier, operation_id=operation_id, pythonic_params=pythonic_params)
        self._decorated = _DecoratedOnce(pythonic_params=pythonic_params, jsonifier=jsonifier)(fn)

    @property
    def fn(self) -> Callable[[], Awaitable[Any]]:
        return self._decorated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._decorated()
        await response(scope, receive, send)


class _Api(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> _Operation:
        return _Operation(operation.function, jsonifier=self.jsonifier, operation_id=operation.operation_id, pythonic_params=self.pythonic_params)


class OperationsApp(AsyncASGIApp):  # type: ignore[misc]
    """What connexion's ConnexionMiddleware wraps: finds the routed operation by id and calls its handler."""

    api_cls = _Api
