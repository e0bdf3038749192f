"""Routes that serve the contract itself.

The raw 3.1 document is served as written (YAML) and as JSON. Swagger UI 5
comes from the swagger-ui-py package's bundled static files, so /docs works
without any CDN; connexion's own swagger-ui-bundle extra ships Swagger UI 4,
which cannot render OpenAPI 3.1.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import swagger_ui
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

SWAGGER_STATIC = Path(swagger_ui.__file__).resolve().parent / "static"


def _package_folder(name: str) -> Path:
    """A package's folder, found without importing the package."""
    found = importlib.util.find_spec(name)
    locations = found.submodule_search_locations if found is not None else None
    if not locations:
        raise ModuleNotFoundError(f"no package named {name!r}", name=name)
    return Path(locations[0])


# fastapi-offline ships ReDoc's standalone bundle; find its folder without importing it (and FastAPI).
REDOC_STATIC = _package_folder("fastapi_offline") / "static"

_REDOC_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>runyard API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
  <redoc spec-url="/openapi.json"></redoc>
  <script src="/redoc/static/redoc.standalone.js"></script>
</body>
</html>
"""

_SWAGGER_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>runyard API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script src="/docs/static/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
"""


def docs_routes(spec_text: str, spec: dict[str, Any]) -> list[Route | Mount]:
    async def openapi_yaml(_: Request) -> Response:
        return Response(spec_text, media_type="application/yaml")

    async def openapi_json(_: Request) -> Response:
        return JSONResponse(spec)

    async def swagger_page(_: Request) -> Response:
        return HTMLResponse(_SWAGGER_PAGE)

    async def redoc_page(_: Request) -> Response:
        return HTMLResponse(_REDOC_PAGE)

    return [
        Route("/openapi.yaml", openapi_yaml, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/docs", swagger_page, methods=["GET"]),
        Mount("/docs/static", app=StaticFiles(directory=SWAGGER_STATIC), name="swagger-static"),
        Route("/redoc", redoc_page, methods=["GET"]),
        Mount("/redoc/static", app=StaticFiles(directory=REDOC_STATIC), name="redoc-static"),
    ]
