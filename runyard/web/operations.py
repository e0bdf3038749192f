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
parameters over as connexion's ``prep_kwargs`` does (``HandOver``: the spec's names, its query
defaults, connexion's own value conversion, the body, the security context's ``token_info``);
and renders the handler's answer with connexion's own response decorator and runyard's
jsonifier. What a handler receives and what a client gets back are connexion's, unchanged (the
suite checks each in-process hand-over against ``prep_kwargs``: tests/support/hand_over.py);
routing, security and validation happen before.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from copy import deepcopy
from typing import Any

from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.context import context
from connexion.decorators.parameter import CONTEXT_NAME, _get_query_defaults, _get_val_from_param, prep_kwargs, sanitized
from connexion.decorators.response import AsyncResponseDecorator
from connexion.frameworks.starlette import Starlette as StarletteFramework
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest
from connexion.operations import AbstractOperation
from connexion.uri_parsing import OpenAPIURIParser
from connexion.utils import deep_merge, inspect_function_arguments, is_null, is_nullable
from starlette.types import Receive, Scope, Send

_FORM_MEDIA_TYPES = tuple(FORM_CONTENT_TYPES)


class URIParser(OpenAPIURIParser):  # type: ignore[misc]  # connexion ships no type information
    """connexion's OpenAPI 3 URI parser (its public ``uri_parser_class`` option), with each
    parameter's schema looked up in a table made once per parser: connexion's builds that table
    again for every parameter it resolves, so a list with eleven query parameters built it eleven
    times per parse, twice a request (validation, then the hand-over)."""

    @functools.cached_property
    def param_schemas(self) -> dict[str, Any]:
        return {name: definition.get("schema", {}) for name, definition in self.param_defns.items()}


class HandOver:
    """connexion's hand-over of a request's parameters to its handler (``prep_kwargs``), for one
    operation, with what depends only on the operation worked out once: which parameters are in
    the path and the query, their names as arguments, the query's defaults, the body's argument.

    Per request it does what ``prep_kwargs`` does: each path parameter, and each query parameter
    the handler takes (its default where the request has none), converted by connexion's own
    ``_get_val_from_param``; the body under its name (``None`` for a null body where the schema
    allows null, else the schema's default where there is none); the security context's entries the
    handler takes (``token_info``). A handler that takes ``**kwargs`` gets every parameter, as
    connexion gives it. A request whose body is a form, or an operation that takes more than one
    media type, is handed over by ``prep_kwargs`` itself (runyard has neither).
    """

    def __init__(self, operation: AbstractOperation, arguments: list[str], has_kwargs: bool) -> None:
        self.arguments = arguments
        self.has_kwargs = has_kwargs
        self.taken = frozenset(arguments)
        parameters = operation.parameters
        self.path = {p["name"]: (sanitized(p["name"]), p) for p in parameters if p["in"] == "path"}
        query = {p["name"]: p for p in parameters if p["in"] == "query"}
        self.query = {name: (sanitized(name), p) for name, p in query.items()}
        self.query_defaults: dict[str, Any] = _get_query_defaults(query)
        self.copy_defaults = any(isinstance(v, dict | list) for v in self.query_defaults.values())
        self.body_name: str | None = None
        if (arguments or has_kwargs) and operation.is_request_body_defined and operation.method.upper() != "TRACE":
            name = sanitized(operation.body_name(""))
            if has_kwargs or name in self.taken:
                self.body_name = name
                self.body_schema: dict[str, Any] = operation.body_schema()
        self.wants_context = CONTEXT_NAME in self.taken

    def kwargs(self, request: ConnexionRequest, body: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for name, value in request.path_params.items():
            known = self.path.get(name)
            if known is None:  # a path parameter the spec does not list: handed over as it is
                kwargs[sanitized(name)] = value
            else:
                kwargs[known[0]] = _get_val_from_param(value, known[1])
        if self.query:
            defaults = deepcopy(self.query_defaults) if self.copy_defaults else dict(self.query_defaults)
            for name, value in deep_merge(defaults, request.query_params).items():
                known = self.query.get(name)
                if known is not None and (self.has_kwargs or known[0] in self.taken):
                    kwargs[known[0]] = _get_val_from_param(value, known[1])
        if self.body_name is not None:
            if body is None:
                body = None if is_nullable(self.body_schema) else deepcopy(self.body_schema.get("default", {}))
            elif is_nullable(self.body_schema) and is_null(body):
                body = None
            kwargs[self.body_name] = body
        for key, value in context.items():
            if self.has_kwargs or key in self.taken:
                kwargs[key] = value
        if self.wants_context:
            kwargs[CONTEXT_NAME] = context
        return kwargs


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
        # Where the body's schema depends on which media type was sent, prep_kwargs works it out.
        self.hand_over = HandOver(operation, self.arguments, self.has_kwargs) if len(operation.consumes) <= 1 else None
        self.handler: Callable[..., Awaitable[Any]] = AsyncResponseDecorator(framework=StarletteFramework, jsonifier=jsonifier)(function)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = ConnexionRequest(scope, receive, uri_parser=self.uri_parser)
        body = await request.get_body() if self.takes_body else None
        # Starlette parses a form only for these media types and gives an empty one otherwise.
        form_sent = request.headers.get("content-type", "").lstrip().lower().startswith(_FORM_MEDIA_TYPES)
        if form_sent or self.hand_over is None:
            files = await request.files() if form_sent else {}
            kwargs = prep_kwargs(request, request_body=body, files=files, arguments=self.arguments, has_kwargs=self.has_kwargs, sanitize=sanitized)
        else:
            kwargs = self.hand_over.kwargs(request, body)
        response = await self.handler(**kwargs)
        await response(scope, receive, send)


class _Api(AsyncApi):  # type: ignore[misc]  # connexion ships no type information
    def make_operation(self, operation: AbstractOperation) -> _Operation:
        return _Operation(operation, self.jsonifier)


class OperationsApp(AsyncASGIApp):  # type: ignore[misc]
    """What runyard's ConnexionMiddleware wraps: finds the routed operation by its id (connexion's
    RoutedMiddleware, as AsyncApp's app does) and calls it."""

    api_cls = _Api
