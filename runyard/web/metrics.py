"""GET /metrics in Prometheus' text format, and the middleware that times the API's requests.

/metrics is served beside the docs, outside the API (runyard.web.app's `_DocsFirst` routes it), so
the spec does not describe it and schemathesis does not call it. A scrape is two parts: runs by
(environment, job, state) and the queue's depth, read from the store's counts at scrape time (one
statement over a row per group, never over the runs: runyard.store.counts), the same from every
process; and the per-process observations of runyard.metrics (every process's, summed, under
`--processes N`).

In secured mode (`--require-keys`) a scrape needs an admin key as a bearer token, checked as the
API checks keys (401 without a valid one, 403 for a key that is not an admin's); on an open server it
is open, like the rest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from connexion.exceptions import OAuthProblem
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runyard import metrics
from runyard.domain import WAITING_STATES
from runyard.web.context import current_service
from runyard.web.security import Requirement, presented_key

_BEARER = Requirement(bearer=True, headers=(), optional=False)
_WAITING = frozenset(state.value for state in WAITING_STATES)


class _Families(Collector):
    """Metric families computed before the scrape's text is written (the counts are read asynchronously)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def counts_text(groups: list[tuple[str, str, str, int]]) -> bytes:
    """Runs by environment, job and state, and the queue's depth (runs waiting to start) by job."""
    runs = GaugeMetricFamily(
        "runyard_runs", "Runs in the store by environment, job and state (from the counts the store keeps)", labels=["environment", "job", "state"]
    )
    depth = GaugeMetricFamily("runyard_queue_depth", "Runs waiting to start (queued, delayed, retrying) by job, in every environment", labels=["job"])
    waiting: dict[str, int] = {}
    for environment, job, state, count in groups:
        runs.add_metric([environment, job, state], count)
        waiting[job] = waiting.get(job, 0) + (count if state in _WAITING else 0)  # every job the counts know: 0, not absent
    for job, count in sorted(waiting.items()):
        depth.add_metric([job], count)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Families([runs, depth]))
    return generate_latest(registry)


def _problem(status: int, detail: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    title = "Unauthorized" if status == 401 else "Forbidden"
    return JSONResponse({"title": title, "status": status, "detail": detail}, status_code=status, headers=headers, media_type="application/problem+json")


async def _refusal(request: Request) -> Response | None:
    """None when the request may scrape (an admin's bearer key), else the 401 or 403 to answer."""
    try:
        secret = presented_key(Headers(scope=request.scope), _BEARER)
    except OAuthProblem as exc:
        return _problem(401, str(exc.detail))
    if secret is None:
        return _problem(401, "No API key: send `Authorization: Bearer <admin key>`")
    credential = await current_service().authenticate(secret)
    if credential is None:
        return _problem(401, "Invalid API key (unknown, revoked or expired)")
    if not credential.admin:
        return _problem(403, "Metrics are for admin keys")
    return None


def metrics_route(*, require_keys: bool) -> Route:
    async def scrape(request: Request) -> Response:
        if require_keys:
            refusal = await _refusal(request)
            if refusal is not None:
                return refusal
        groups = await current_service().run_counts()
        return Response(counts_text(groups) + metrics.per_process_text(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", scrape, methods=["GET"])


class RequestMetrics:
    """Times each API request into runyard_http_request_duration_seconds, labelled by connexion's
    operationId (read from the scope once connexion has routed it), never the raw path, so the labels
    stay as many as the spec's operations. Pure ASGI and small: it is on every request's path. The
    time is to the end of the answer (a stream's included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The histogram's children by (operation, status), so a request skips labels()'s checks and lock.
        self._children: dict[tuple[str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # connexion's routing writes the operationId into scope["extensions"] of a shallow copy of
        # the scope: only when the dict is already there is it the one this scope holds too (uvicorn
        # sends none; starlette's TestClient does).
        extensions = scope.setdefault("extensions", {})
        status = 500  # what a request that raised through every handler is answered

        async def sent(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sent)
        finally:
            operation = extensions.get("connexion_routing", {}).get("operation_id") or "unmatched"
            key = (operation, status)
            child = self._children.get(key)
            if child is None:
                child = self._children[key] = metrics.HTTP_REQUESTS.labels(operation, str(status))
            child.observe(time.perf_counter() - started)
