"""Who a request speaks for, decided per operation from the security the spec documents for it.

This takes the place of connexion's SecurityMiddleware (runyard.web.app builds the middleware list
without it) for one reason: connexion treats an empty requirement (`{}`, "a key is optional") as
a fallback that also lets a request with an *invalid* key through as anonymous. runyard's rule:

* a key that is presented must be valid (else 401), whichever scheme carries it;
* no key: allowed only where the operation's security lists `{}` and the server is open
  (not `--require-keys`); the request then speaks for an admin of `default`;
* no key anywhere else: 401.

The credential reaches the handler as connexion's `token_info`, the public way it hands one over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connexion.exceptions import OAuthProblem
from connexion.lifecycle import ConnexionRequest
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.spec import HTTP_METHODS
from runyard.web.context import TokenInfo, current_service


@dataclass(frozen=True)
class Requirement:
    """What an operation's `security` accepts: keys as a bearer token, in a header, or none at all."""

    bearer: bool
    headers: tuple[str, ...]  # apiKey schemes in a header, by header name
    optional: bool  # `{}` is one of the alternatives


def requirements(spec: dict[str, Any]) -> dict[str, Requirement]:
    """Each secured operation's requirement, by operationId (an operation with `security: []` has none)."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    found: dict[str, Requirement] = {}
    for item in spec.get("paths", {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            alternatives = operation.get("security", spec.get("security", []))
            if not alternatives:
                continue
            requirement = _requirement(alternatives, schemes)
            operation_id = operation["operationId"]
            if found.setdefault(operation_id, requirement) != requirement:
                raise ValueError(f"operationId {operation_id} is used with two different security requirements")
    return found


def _requirement(alternatives: list[dict[str, list[str]]], schemes: dict[str, Any]) -> Requirement:
    bearer, headers, optional = False, [], False
    for alternative in alternatives:
        if not alternative:
            optional = True
        for name in alternative:
            scheme = schemes[name]
            if scheme["type"] == "http" and scheme["scheme"].lower() == "bearer":
                bearer = True
            elif scheme["type"] == "apiKey" and scheme["in"] == "header":
                headers.append(scheme["name"])
            else:  # nothing else is used: refuse what this cannot check rather than let it through
                raise ValueError(f"security scheme {name!r} is neither an http bearer nor an apiKey header")
    return Requirement(bearer, tuple(headers), optional)


def presented_key(headers: Headers, requirement: Requirement) -> str | None:
    """The key a request presents for the operation: a bearer token first, then an apiKey header.

    An Authorization header that is not `Bearer <key>` on an operation that takes bearer keys is
    a 401, never "no key".
    """
    if requirement.bearer and "authorization" in headers:
        kind, _, token = headers["authorization"].partition(" ")
        if kind.lower() != "bearer" or not token.strip():
            raise OAuthProblem(detail="Invalid Authorization header: send `Authorization: Bearer <key>`")
        return token.strip()
    for name in requirement.headers:
        if name in headers:
            return headers[name]
    return None


class KeyCheck:
    """The ASGI middleware (after connexion's routing, which names the operation)."""

    def __init__(self, app: ASGIApp, table: dict[str, Requirement], require_keys: bool) -> None:
        self.app = app
        self.table = table
        self.require_keys = require_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            operation_id = scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
            requirement = self.table.get(operation_id) if operation_id else None
            if requirement is not None:
                await self._admit(scope, requirement)
        await self.app(scope, receive, send)

    async def _admit(self, scope: Scope, requirement: Requirement) -> None:
        secret = presented_key(Headers(scope=scope), requirement)
        service = current_service()
        if secret is None:
            if not (requirement.optional and not self.require_keys):
                raise OAuthProblem(detail="No API key: send `Authorization: Bearer <key>`" + (" or `X-API-Key: <key>`" if requirement.headers else ""))
            credential = await service.anonymous()
        else:
            found = await service.authenticate(secret)
            if found is None:
                raise OAuthProblem(detail="Invalid API key (unknown, revoked or expired)")
            credential = found
        token_info: TokenInfo = {"sub": credential.environment.id, "credential": credential, "secret": secret}
        ConnexionRequest(scope).context.update({"user": token_info["sub"], "token_info": token_info})


def key_check(spec: dict[str, Any], *, require_keys: bool) -> Callable[[ASGIApp], KeyCheck]:
    """KeyCheck as connexion builds its middlewares (called with the next app only)."""
    table = requirements(spec)

    def build(app: ASGIApp) -> KeyCheck:
        return KeyCheck(app, table, require_keys)

    return build
