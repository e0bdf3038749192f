"""Bounds on a request's body: its size, and how long the client may take to send it.

A body over the limit is refused (413) as soon as that is known: from its Content-Length before a
byte is read, or, sent without one, at the chunk that crosses the limit; nothing is stored. A body
that stops arriving is refused (408) after the read timeout, so a client that sends a few bytes and
waits cannot hold a request open for ever. Errors are raised inside connexion's exception handling,
so each API words them in its own shape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from connexion.exceptions import ProblemException
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def too_large(limit: int) -> ProblemException:
    return ProblemException(status=413, title="Content Too Large", detail=f"The request body is larger than {limit} bytes")


class BodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large(self.max_bytes)
        received = 0
        complete = False

        async def bounded_receive() -> Message:
            nonlocal received, complete
            if complete:
                # The body is in: what is left to receive is the disconnect, which streams wait for as long as they last.
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise ProblemException(status=408, title="Request Timeout", detail=f"The request body did not arrive within {self.timeout:g} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise too_large(self.max_bytes)
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        if declared is None and scope["method"] in _WITH_BODY:
            # connexion validates only a body whose Content-Length it knows (a chunked one reads as "no body"):
            # take the chunks in, bounded as any body, and hand it on with its length.
            scope, receive = await _whole(scope, bounded_receive)
            await self.app(scope, receive, send)
            return
        await self.app(scope, bounded_receive, send)


_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def _whole(scope: Scope, receive: Receive) -> tuple[Scope, Receive]:
    """A chunked body read in (within the limits of `receive`), as a request with a Content-Length."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")]
    scope = {**scope, "headers": [*headers, (b"content-length", str(len(body)).encode())]}
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return scope, replay


def body_limits(max_bytes: int, timeout_seconds: float) -> Callable[[ASGIApp], BodyLimits]:
    """BodyLimits as connexion builds its middlewares (called with the next app only)."""

    def build(app: ASGIApp) -> BodyLimits:
        return BodyLimits(app, max_bytes, timeout_seconds)

    return build
