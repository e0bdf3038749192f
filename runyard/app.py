"""The application factory: the 3.1 spec routes connexion, runyard serves docs beside it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
import re
from pathlib import Path
from typing import Any

import connexion
import yaml
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.context import reset_service, use_service
from runyard.executor.worker import Worker, WorkerSettings
from runyard.jobs import JobDefinition
from runyard.openapi_compat import to_openapi30
from runyard.runtime import install_jobs_now, startup_jobs
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


_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _allowed_methods(spec: dict[str, Any]) -> list[tuple[re.Pattern[str], str]]:
    """For each path template, a matcher and the methods it documents (HEAD goes with GET)."""
    table = []
    for template, item in spec.get("paths", {}).items():
        methods = [m.upper() for m in _HTTP_METHODS if m in item]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        table.append((re.compile(f"^{pattern}$"), ", ".join(methods)))
    return table


def _method_not_allowed_handler(spec: dict[str, Any]):
    """405 with an `Allow` header listing every method the spec documents for the path.

    connexion routes each operation separately, so its own 405 names only the
    methods of one operation of the path.
    """
    table = _allowed_methods(spec)

    def handle(request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
        allow = next((methods for pattern, methods in table if pattern.match(request.url.path)), "")
        problem = {"type": "about:blank", "title": "Method Not Allowed", "detail": f"{request.method} is not allowed here; allowed: {allow}", "status": 405}
        return ConnexionResponse(
            status_code=405,
            content_type="application/problem+json",
            headers={"Allow": allow},
            body=json.dumps(problem),
        )

    return handle


def _connexion_app(spec: dict[str, Any]) -> connexion.AsyncApp:
    app = connexion.AsyncApp(__name__, swagger_ui_options=connexion.options.SwaggerUIOptions(serve_spec=False, swagger_ui=False))
    app.add_api(to_openapi30(spec), strict_validation=True, validate_responses=False, validator_map=validator_map())
    app.add_error_handler(405, _method_not_allowed_handler(spec))
    return app


def create_app(
    database: Database | str,
    *,
    jobs: list[JobDefinition] | None = None,
    worker: WorkerSettings | None = None,
    spec_path: Path = SPEC_PATH,
) -> ASGIApp:
    """The ASGI app over a database.

    `jobs` are defined at creation (default: the built-in demo job). With
    `worker` settings, an embedded worker pool runs for the app's lifespan.
    """
    db = open_database(database) if isinstance(database, str) else database
    install_jobs_now(db, startup_jobs(None) if jobs is None else jobs)
    spec_text = spec_path.read_text()
    spec = yaml.safe_load(spec_text)
    service = RunService(db)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Router) -> AsyncIterator[None]:
        stop = asyncio.Event()
        pool = asyncio.create_task(Worker(db, worker).run(stop)) if worker is not None and worker.concurrency > 0 else None
        try:
            yield
        finally:
            stop.set()
            if pool is not None:
                await pool
            await db.close()

    # Whatever the docs routes do not match goes to connexion, which answers
    # every other request (404s included) as the spec documents.
    outer = Router(routes=docs_routes(spec_text, spec), default=_connexion_app(spec), lifespan=lifespan)
    return _ServiceScope(outer, service)
