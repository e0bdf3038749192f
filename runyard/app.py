"""The application factory: the 3.1 spec routes connexion, runyard serves docs beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import connexion
import yaml
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.context import reset_service, use_service
from runyard.openapi_compat import to_openapi30
from runyard.service import RunService
from runyard.settings import SPEC_PATH
from runyard.store.db import Database, open_database
from runyard.validation import validator_map
from runyard.web.docs import docs_routes


class _ServiceScope:
    """Makes the app's service current for everything a request runs."""

    def __init__(self, app: ASGIApp, service: RunService) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = use_service(self.service)
        try:
            await self.app(scope, receive, send)
        finally:
            reset_service(token)


def _connexion_app(spec: dict[str, Any]) -> connexion.AsyncApp:
    app = connexion.AsyncApp(__name__, swagger_ui_options=connexion.options.SwaggerUIOptions(serve_spec=False, swagger_ui=False))
    app.add_api(to_openapi30(spec), strict_validation=True, validate_responses=False, validator_map=validator_map())
    return app


def create_app(database: Database | str, *, spec_path: Path = SPEC_PATH) -> ASGIApp:
    db = open_database(database) if isinstance(database, str) else database
    spec_text = spec_path.read_text()
    spec = yaml.safe_load(spec_text)
    service = RunService(db)

    async def lifespan(_app: Starlette):
        yield
        await db.close()

    outer = Starlette(routes=[*docs_routes(spec_text, spec), Mount("/", app=_connexion_app(spec))], lifespan=lifespan)
    return _ServiceScope(outer, service)
