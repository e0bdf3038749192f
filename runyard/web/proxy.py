"""Behind a trusted reverse proxy: the Host a client used is the proxy's `X-Forwarded-Host`.

uvicorn applies `X-Forwarded-Proto` (and the client's address) from the addresses it trusts
(`--forwarded-allow-ips`, which `runyard serve --trust-proxy` opens to every address); this does the
same for the host, so the absolute URLs runyard answers with (a submit's `poll_url`, `stream_url`,
`Location`) are the ones the client can reach. Without --trust-proxy the header is ignored: anyone
could send it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class ForwardedHost:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = scope["headers"]
            forwarded = next((value for name, value in headers if name == b"x-forwarded-host"), None)
            if forwarded:
                host = forwarded.split(b",")[0].strip()  # the first proxy's: the client's own
                scope = {**scope, "headers": [(n, v) for n, v in headers if n != b"host"] + [(b"host", host)]}
        await self.app(scope, receive, send)
