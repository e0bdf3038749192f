"""The runs dashboard at /ui: static files that talk to runyard only through its public native API.

Like /docs it is outside the API (the spec does not describe these routes; runyard.web.app's
`_DocsFirst` routes them before connexion). The pages are plain ES modules and CSS shipped in the
package (runyard/web/ui/, package data): no build step and nothing fetched from elsewhere, so the
dashboard works offline. The browser routes with the history API, so every /ui/<route> answers the
same index.html and the page's script reads the path and query (a filtered view is a URL that can
be shared and survives a reload). The files hold no secret and need no key: in secured mode the
page asks for one when the API answers 401.
"""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

UI_FOLDER = Path(__file__).resolve().parent / "ui"
INDEX = UI_FOLDER / "index.html"

# The assets change only with runyard itself: a browser may keep them a few minutes (a new version is
# seen soon after an upgrade without any fingerprinting of names). index.html is always revalidated.
ASSET_CACHE = "public, max-age=300"
PAGE_CACHE = "no-cache"


class _Assets(StaticFiles):
    """The dashboard's static files, cached briefly; an unknown name is a 404 (never index.html, which
    would hide a missing asset behind a page that then fails to run)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            # Answered here: the router serving the dashboard has no exception handler to turn it into one.
            return PlainTextResponse(exc.detail, status_code=exc.status_code)
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = ASSET_CACHE
            response.headers["X-Content-Type-Options"] = "nosniff"
        return response


async def _page(_: Request) -> Response:
    # Every route of the single page answers the same document; the script picks the view.
    return FileResponse(INDEX, media_type="text/html; charset=utf-8", headers={"Cache-Control": PAGE_CACHE})


async def _to_dashboard(_: Request) -> Response:
    return RedirectResponse("/ui", status_code=307)


def ui_routes() -> list[BaseRoute]:
    """GET / -> /ui; /ui and /ui/<any route> -> index.html; /ui/static/<file> -> the file."""
    return [
        Route("/", _to_dashboard, methods=["GET"]),
        Mount("/ui/static", app=_Assets(directory=UI_FOLDER, check_dir=True), name="ui-static"),
        Route("/ui", _page, methods=["GET"]),
        Route("/ui/{route:path}", _page, methods=["GET"]),
    ]
