"""The application factory: the 3.1 spec routes connexion, runyard serves docs beside it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import connexion
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.security import SecurityMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.dialects import native
from runyard.domain import JobDefinition, StoreUnavailable
from runyard.executor.worker import Worker, WorkerSettings
from runyard.runtime import install_jobs_now, startup_jobs
from runyard.service import RunService
from runyard.settings import DEFAULT_BODY_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INPUT_BYTES, DEFAULT_PROMPT_JOB, SPEC_PATH
from runyard.spec import HTTP_METHODS, load_spec, spec_text
from runyard.store.db import Database, open_database
from runyard.timeutil import now_us
from runyard.web import errors
from runyard.web.context import reset_service, use_service
from runyard.web.docs import docs_routes
from runyard.web.limits import body_limits
from runyard.web.proxy import ForwardedHost
from runyard.web.rendition import connexion_document
from runyard.web.security import key_check
from runyard.web.validation import validator_map


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


def _allowed_methods(spec: dict[str, Any]) -> Callable[[str], str]:
    """The methods the spec documents for a concrete path (HEAD goes with GET)."""
    table = []
    for template, item in spec.get("paths", {}).items():
        methods = [m.upper() for m in HTTP_METHODS if m in item]
        if "GET" in methods and "HEAD" not in methods:
            methods.append("HEAD")
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        table.append((re.compile(f"^{pattern}$"), ", ".join(methods)))

    def allowed(path: str) -> str:
        return next((methods for pattern, methods in table if pattern.match(path)), "")

    return allowed


log = logging.getLogger("runyard.app")


@dataclass(frozen=True)
class Limits:
    """What a request may send (runyard.web.limits) and how large a run's input may be."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    body_timeout_seconds: float = DEFAULT_BODY_TIMEOUT_SECONDS
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES


@dataclass(frozen=True)
class Runs:
    """How the server runs what it is sent: the prompt job, and where webhooks may go."""

    prompt_job: str = DEFAULT_PROMPT_JOB
    webhook_allow_private: bool = False
    max_queued: int | None = None  # runs waiting to start beyond which submits get 503
    trust_proxy: bool = False  # take the Host from X-Forwarded-Host (runyard.web.proxy)


def _middlewares(spec: dict[str, Any], require_keys: bool, limits: Limits) -> list[Any]:
    """connexion's own middlewares, with runyard's key check in place of its SecurityMiddleware (see
    runyard.web.security), and the body limits just inside its error handling (so errors are worded per API)."""
    chosen: list[Any] = []
    for middleware in ConnexionMiddleware.default_middlewares:
        chosen.append(key_check(spec, require_keys=require_keys) if middleware is SecurityMiddleware else middleware)
        if middleware is ExceptionMiddleware:
            chosen.append(body_limits(limits.max_body_bytes, limits.body_timeout_seconds))
    return chosen


def _connexion_app(spec: dict[str, Any], spec_path: Path, require_keys: bool, limits: Limits) -> connexion.AsyncApp:
    app = connexion.AsyncApp(
        __name__,
        middlewares=_middlewares(spec, require_keys, limits),
        swagger_ui_options=connexion.options.SwaggerUIOptions(serve_spec=False, swagger_ui=False),
    )
    app.add_api(connexion_document(spec_path), strict_validation=True, validate_responses=False, validator_map=validator_map())
    errors.register(app, _allowed_methods(spec))
    return app


FIRING_INTERVAL_SECONDS = 0.5  # a run exists within a second of its schedule's due time


async def _fire_schedules(service: RunService, stop: asyncio.Event) -> None:
    """Every server fires due schedules; the store makes each due time one run however many do."""
    while not stop.is_set():
        try:
            await service.fire_schedules(now_us())
        except StoreUnavailable as exc:
            log.warning("firing schedules: %s", exc)
        except Exception:  # a bug or a hiccup must not stop schedules for good
            log.exception("firing schedules failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), FIRING_INTERVAL_SECONDS)


def create_app(
    database: Database | str,
    *,
    jobs: list[JobDefinition] | None = None,
    worker: WorkerSettings | None = None,
    spec_path: Path = SPEC_PATH,
    require_keys: bool = False,
    limits: Limits = Limits(),
    runs: Runs = Runs(),
) -> ASGIApp:
    """The ASGI app over a database.

    `jobs` are defined at creation (default: the built-in demo job). With
    `worker` settings, an embedded worker pool runs for the app's lifespan.
    With `require_keys` (secured mode) every operation but /health needs a key;
    otherwise (open mode) a native request without a key speaks for an admin of `default`.
    """
    db = open_database(database) if isinstance(database, str) else database
    install_jobs_now(db, startup_jobs(None) if jobs is None else jobs)
    text = spec_text(spec_path)
    spec = load_spec(spec_path)
    worker = (
        dataclasses.replace(worker, webhooks=dataclasses.replace(worker.webhooks, allow_private=runs.webhook_allow_private)) if worker is not None else None
    )
    service = RunService(
        db,
        max_input_bytes=limits.max_input_bytes,
        prompt_job=runs.prompt_job,
        webhook_allow_private=runs.webhook_allow_private,
        worker_slots=worker.concurrency if worker is not None else 0,
        max_queued=runs.max_queued,
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Router) -> AsyncIterator[None]:
        stop = asyncio.Event()
        # The embedded workers' connections are their own (Database.separate).
        workers_db = db.separate()
        embedded = Worker(workers_db, worker, webhook_payload=native.webhook_payload) if worker is not None and worker.concurrency > 0 else None
        pool = asyncio.create_task(embedded.run(stop)) if embedded is not None else None
        firing = asyncio.create_task(_fire_schedules(service, stop))
        try:
            yield
        finally:
            service.stopping = True
            stop.set()
            await firing
            if pool is not None:
                await pool
            await workers_db.close()
            await db.close()

    # Whatever the docs routes do not match goes to connexion, which answers
    # every other request (404s included) as the spec documents.
    outer = Router(routes=docs_routes(text, spec), default=_connexion_app(spec, spec_path, require_keys, limits), lifespan=lifespan)
    scoped: ASGIApp = _ServiceScope(outer, service)
    return ForwardedHost(scoped) if runs.trust_proxy else scoped
