"""The application factory: the 3.1 spec routes connexion, runyard serves docs beside it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import connexion
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard import metrics
from runyard.dialects import native
from runyard.domain import JobDefinition, StoreUnavailable
from runyard.domain.schedules import DeclaredSchedule
from runyard.executor.worker import Worker, WorkerSettings
from runyard.runtime import apply_declared_now, install_jobs_now, startup_jobs
from runyard.service import RunService
from runyard.settings import DEFAULT_BODY_TIMEOUT_SECONDS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INPUT_BYTES, DEFAULT_PROMPT_JOB, SPEC_PATH
from runyard.spec import HTTP_METHODS, load_spec, spec_text
from runyard.store.db import Database, open_database
from runyard.timeutil import now_us
from runyard.web import errors
from runyard.web.context import reset_service, use_service
from runyard.web.docs import docs_routes
from runyard.web.encoding import FastJsonifier
from runyard.web.limits import body_limits
from runyard.web.metrics import RequestMetrics, metrics_route
from runyard.web.operations import OperationsApp, URIParser
from runyard.web.proxy import ForwardedHost
from runyard.web.rendition import connexion_document
from runyard.web.security import key_check
from runyard.web.ui import ui_routes
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


class _DocsFirst:
    """Requests for the docs pages, /metrics and the dashboard (/ui, and / which leads there: outside
    the API, the spec does not describe them) go through their router; every other request goes
    straight to connexion, without first being matched against each of those routes in turn."""

    PREFIXES = ("/docs", "/redoc", "/openapi.", "/metrics", "/ui")

    def __init__(self, docs: Router, api: ASGIApp) -> None:
        self.docs = docs  # it also runs the lifespan, and hands what it does not match to `api`
        self.api = api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/" and not scope["path"].startswith(self.PREFIXES):
            await self.api(scope, receive, send)
        else:
            await self.docs(scope, receive, send)


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
    retention_days: int | None = None  # finished runs older than this are deleted (None or 0: kept; a job's own setting wins)
    trust_proxy: bool = False  # take the Host from X-Forwarded-Host (runyard.web.proxy)


# connexion's middlewares runyard does without, each a layer every request went through for nothing:
# the docs are served by runyard (runyard.web.docs), answers are not validated at run time (the
# conformance tests check them), and the lifespan is the outer router's (create_app).
_UNUSED_MIDDLEWARES = (SwaggerUIMiddleware, ResponseValidationMiddleware, LifespanMiddleware)


def _middlewares(spec: dict[str, Any], require_keys: bool, limits: Limits) -> list[Any]:
    """connexion's own middlewares but the unused ones, with runyard's key check in place of its SecurityMiddleware (see
    runyard.web.security), and the body limits just inside its error handling (so errors are worded per API)."""
    chosen: list[Any] = []
    for middleware in ConnexionMiddleware.default_middlewares:
        if middleware in _UNUSED_MIDDLEWARES:
            continue
        chosen.append(key_check(spec, require_keys=require_keys) if middleware is SecurityMiddleware else middleware)
        if middleware is ExceptionMiddleware:
            chosen.append(body_limits(limits.max_body_bytes, limits.body_timeout_seconds))
    return chosen


def _connexion_app(spec: dict[str, Any], spec_path: Path, require_keys: bool, limits: Limits) -> ConnexionMiddleware:
    # connexion's middlewares around runyard's OperationsApp (connexion's AsyncApp is the same pair,
    # but its innermost app decorates each handler anew on every request).
    app = ConnexionMiddleware(
        OperationsApp(),
        import_name=__name__,
        middlewares=_middlewares(spec, require_keys, limits),
        jsonifier=FastJsonifier(),
        swagger_ui_options=connexion.options.SwaggerUIOptions(serve_spec=False, swagger_ui=False),
    )
    app.add_api(connexion_document(spec_path), strict_validation=True, validate_responses=False, validator_map=validator_map(), uri_parser_class=URIParser)
    errors.register(app, _allowed_methods(spec))
    return app


FIRING_INTERVAL_SECONDS = 0.5  # a run exists within a second of its schedule's due time
BULK_INTERVAL_SECONDS = 0.5  # how often a server looks for a bulk action to carry forward
COUNTS_INTERVAL_SECONDS = 1.0  # how often a server folds the counts' deltas (list totals and stats read them)
RETENTION_INTERVAL_SECONDS = 60.0  # between retention passes (each works off whatever is due, batch by batch)


async def _repeat(what: str, step: Callable[[], Awaitable[bool]], interval: float, stop: asyncio.Event) -> None:
    """Run `step` until the server stops, waiting `interval` after each step that says there is no
    more to do at once. A store hiccup is logged and tried again: nothing stops it for good."""
    while not stop.is_set():
        more = False
        try:
            more = await step()
        except StoreUnavailable as exc:
            log.warning("%s: %s", what, exc)
        except Exception:  # a bug or a hiccup must not stop it for good
            log.exception("%s failed", what)
        if not more:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)


def _background(service: RunService, stop: asyncio.Event, retention_days: int | None = None) -> list[Coroutine[Any, Any, None]]:
    """What every server does beside its API: fire due schedules (the store makes each due time one
    run however many servers do), carry pending bulk actions forward a chunk at a time (one
    server per action at a time, under a lease), and delete finished runs past their retention in
    small batches (servers at once each take batches the others have not locked), and fold the
    run counts' deltas, so that a list's total stays a sum over a few rows even on a server without
    workers (whose housekeeping folds them too)."""
    worker_id = f"{socket.gethostname()}:{os.getpid()}:bulk"

    async def fire() -> bool:
        await service.fire_schedules(now_us())
        return False

    async def bulk() -> bool:
        return await service.process_bulk_actions(worker_id) > 0

    async def retain() -> bool:
        await service.apply_retention(retention_days)  # a whole pass: it rests between its batches
        return False

    async def fold() -> bool:
        await service.fold_counts()
        return False

    return [
        _repeat("firing schedules", fire, FIRING_INTERVAL_SECONDS, stop),
        _repeat("folding counts", fold, COUNTS_INTERVAL_SECONDS, stop),
        _repeat("bulk actions", bulk, BULK_INTERVAL_SECONDS, stop),
        _repeat("retention", retain, RETENTION_INTERVAL_SECONDS, stop),
    ]


def create_app(
    database: Database | str,
    *,
    jobs: list[JobDefinition] | None = None,
    worker: WorkerSettings | None = None,
    spec_path: Path = SPEC_PATH,
    require_keys: bool = False,
    limits: Limits = Limits(),
    runs: Runs = Runs(),
    declared_schedules: list[DeclaredSchedule] | None = None,
    queue_limits: dict[str, int | None] | None = None,
    background: bool = True,
) -> ASGIApp:
    """The ASGI app over a database.

    `jobs` are defined at creation (default: the built-in demo job), and, when given,
    `declared_schedules` become the declarative schedules and `queue_limits` the jobs file's queues
    (None leaves them as they are). Without `background` the app fires no schedules, carries no
    bulk action forward and deletes no run past its retention (for tests that count what each
    request changes). With
    `worker` settings, an embedded worker pool runs for the app's lifespan.
    With `require_keys` (secured mode) every operation but /health needs a key;
    otherwise (open mode) a native request without a key speaks for an admin of `default`.
    """
    db = open_database(database) if isinstance(database, str) else database
    install_jobs_now(db, startup_jobs(None) if jobs is None else jobs)
    if declared_schedules is not None:
        apply_declared_now(db, declared_schedules, queue_limits)
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
        if embedded is not None:
            service.when_runs_ready(embedded.wake)
        pool = asyncio.create_task(embedded.run(stop)) if embedded is not None else None
        background_tasks = [asyncio.create_task(loop) for loop in _background(service, stop, runs.retention_days)] if background else []
        # What start-up built (the spec, connexion's operations and validators, the models) lives as
        # long as the server: moved out of the collector's generations (after one collection of
        # start-up's garbage), a full collection under load no longer walks it. Each such walk was a
        # pause in some answers: status by id at c=32 on PostgreSQL, p99 85-90 ms without, 22 ms with
        # (scripts/bench --only status, twice each, alternated; p50 18 ms either way).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            service.stopping = True
            stop.set()
            for task in background_tasks:
                await task
            if pool is not None:
                await pool
            await workers_db.close()
            await db.close()
            metrics.process_ending()

    # Whatever the docs routes do not match goes to connexion, which answers
    # every other request (404s included) as the spec documents.
    # Every API request is timed by operation (runyard.web.metrics); the docs, /metrics and /ui are not.
    api = RequestMetrics(_connexion_app(spec, spec_path, require_keys, limits))
    routes = [*docs_routes(text, spec), metrics_route(require_keys=require_keys), *ui_routes()]
    outer = _DocsFirst(Router(routes=routes, default=api, lifespan=lifespan), api)
    scoped: ASGIApp = _ServiceScope(outer, service)
    return ForwardedHost(scoped) if runs.trust_proxy else scoped
