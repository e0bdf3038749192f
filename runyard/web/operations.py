"""The innermost app behind connexion's middlewares: it calls the routed operation's handler.

connexion 3 is a stack of middlewares (routing, security, validation, context) around an app of
one's choosing: ``ConnexionMiddleware(app)``. Its own ``AsyncApp`` puts
``connexion.apps.asynchronous.AsyncASGIApp`` there, which, for every request, builds the
handler's decorators again (a new ``StarletteDecorator``, four ``functools.wraps``,
``inspect.signature`` of the handler, a URI parser) and then, even for a GET, reads the request's
content type twice and asks Starlette for its form. None of that depends on the request.

Here all of it is done once per operation, when connexion adds the API, and a request only:
builds its ``ConnexionRequest`` with the operation's URI parser; reads the body when the handler
takes it and the form only when one was sent (what Starlette gives otherwise is empty); hands the
parameters over with connexion's own ``prep_kwargs`` (the spec's names, its query defaults and
types, the body, the security context's ``token_info``); and renders the handler's answer with
connexion's own response decorator and runyard's jsonifier. What a handler receives and what a
client gets back are connexion's, unchanged; routing, security and validation happen before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.decorators.parameter import prep_kwargs, sanitized
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest
from connexion.operations import AbstractOperation
from connexion.utils import inspect_function_arguments
from starlette.types import Receive, Scope, Send

_FORM_MEDIA_TYPES = tuple(FORM_CONTENT_TYPES)


class _Operation:
    """One operation: its handler with connexion's response decorator, and what its parameters need."""

    def __init__(self, operation: AbstractOperation, jsonifier: Jsonifier) -> None:
        function = operation.function
        if not asyncio.iscoroutinefunction(function):
            raise TypeError(f"{operation.operation_id}: runyard's handlers are coroutines")
        self.operation_id: str = operation.operation_id
        self.arguments, self.has_kwargs = inspect_function_arguments(function)
        # The body's argument name (OpenAPI 3: `x-body-name`, else "body") does not depend on the
        # request's content type; the body is read only for a handler that takes it, as connexion does.
        self.takes_body = self.has_kwargs or sanitized(operation.body_name("")) in self.arguments
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.handler: Callable[..., Awaitable[Any]] = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)(function)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        body = await request.get_body() if self.takes_body else None
        # Starlette parses a form only for these media types and gives an empty one otherwise.
        form_sent = request.headers.get("content-type", "").lstrip().lower().startswith(_FORM_MEDIA_TYPES)
        files = await request.files() if form_sent else {}
        kwargs = prep_kwargs(request, request_body=body, files=files, arguments=self.arguments, has_kwargs=self.has_kwargs, sanitize=sanitized)
        response = await self.handler(**kwargs)
        await response(scope, receive, send)


class _Api(AsyncApi):  # type: ignore[misc]  # connexion ships no type information
    def make_operation(self, operation: AbstractOperation) -> _Operation:
        return _Operation(operation, self.jsonifier)


class OperationsApp(AsyncASGIApp):  # type: ignore[misc]
    """What runyard's ConnexionMiddleware wraps: finds the routed operation by its id (connexion's
    RoutedMiddleware, as AsyncApp's app does) and calls it."""

    api_cls = _Api
