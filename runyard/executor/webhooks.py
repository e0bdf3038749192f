"""Workers send the webhooks of finished runs: signed, retried with backoff, recorded on the run.

Each delivery is a POST of the run's final state as JSON (the payload's shape is the native API's,
PraisonAI's: runyard.dialects.native.webhook_payload, handed in by whoever starts the worker), with

    X-Runyard-Delivery: whd_...                       the delivery's id (the same on every retry)
    X-Runyard-Signature: t=<unix seconds>,v1=<hex>    HMAC-SHA256 of "<t>.<body>" with the server's key

A receiver recomputes the HMAC with the key (`runyard webhook-secret`) and refuses an old `t`, so a
captured delivery cannot be replayed later. A 2xx answer delivers it; anything else (another status,
a refused connection, a timeout) is retried after 1, 2, 4, ... seconds (at most RETRY_CAP_SECONDS
apart) until GIVE_UP_SECONDS after the first try; then the delivery is failed for good. Redirects
are not followed. Targets that are (or resolve to) private, loopback, link-local or otherwise
non-public addresses are refused unless the server allows them (`--webhook-allow-private`): a
webhook must not be a way to reach the server's own network. A name is resolved and checked just
before each attempt, and the connection is made to the address checked (the Host header and TLS's
server name stay the URL's), so a DNS answer that changes in between cannot point it inward.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from runyard import metrics
from runyard.domain import Run
from runyard.domain.webhooks import Delivery, is_public, literal_host_problem
from runyard.store.db import Database
from runyard.store.webhooks import WebhookStore
from runyard.timeutil import now_us

log = logging.getLogger("runyard.webhooks")

REQUEST_TIMEOUT_SECONDS = 10.0
RETRY_CAP_SECONDS = 300.0
GIVE_UP_SECONDS = 24 * 3600.0
SIGNATURE_HEADER = "X-Runyard-Signature"
DELIVERY_HEADER = "X-Runyard-Delivery"

Payload = Callable[[Run], dict[str, Any]]


def signature(key: str, timestamp: int, body: bytes) -> str:
    """The X-Runyard-Signature value of a body sent at `timestamp`."""
    digest = hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class WebhookSettings:
    allow_private: bool = False
    concurrency: int = 8  # deliveries in flight per worker
    first_retry_seconds: float = 1.0


class WebhookSender:
    """Claims due deliveries and sends them in the background, never holding up the worker's claims."""

    def __init__(self, db: Database, worker_id: str, payload: Payload, settings: WebhookSettings | None = None) -> None:
        self.store = WebhookStore(db)
        self.worker_id = worker_id
        self.payload = payload
        self.settings = settings or WebhookSettings()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._key: str | None = None

    async def dispatch(self) -> None:
        """Start sending what is due, up to the free delivery slots."""
        free = self.settings.concurrency - len(self._in_flight)
        if free <= 0:
            return
        for delivery, run in await self.store.claim(self.worker_id, now_us(), free):
            task = asyncio.create_task(self._deliver(delivery, run))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def close(self, grace: float = 5.0) -> None:
        """Let deliveries in flight finish (a cut one is sent again by another worker after its lease)."""
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=grace)
        if self._client is not None:
            await self._client.aclose()

    async def _deliver(self, delivery: Delivery, run: Run) -> None:
        try:
            status_code, error = await self._send(delivery, run)
        except Exception as exc:  # never let a delivery end a worker
            log.exception("webhook %s of run %s", delivery.id, run.id)
            status_code, error = None, f"{type(exc).__name__}: {exc}"
        retry_at = None if error is None else self._retry_at(delivery, run, error)
        metrics.WEBHOOK_DELIVERIES.labels("delivered" if error is None else "retrying" if retry_at is not None else "failed").inc()
        try:
            await self.store.record(delivery.id, self.worker_id, now_us(), status_code=status_code, error=error, retry_at=retry_at)
        except Exception as exc:  # the lease runs out and another worker tries again
            log.warning("webhook %s: could not record the attempt: %s", delivery.id, exc)

    def _retry_at(self, delivery: Delivery, run: Run, error: str) -> int | None:
        if error.startswith("refused:"):
            return None  # the target itself is not allowed: retrying changes nothing
        pause = min(self.settings.first_retry_seconds * 2 ** (delivery.attempts - 1), RETRY_CAP_SECONDS)
        retry_at = now_us() + int(pause * 1_000_000)
        finished = run.completed_at or delivery.created_at
        return retry_at if retry_at <= finished + int(GIVE_UP_SECONDS * 1_000_000) else None

    async def _send(self, delivery: Delivery, run: Run) -> tuple[int | None, str | None]:
        """(status code, error): error None when delivered."""
        address = None
        if not self.settings.allow_private:
            refused, address = await self._public_address(delivery.url)
            if refused is not None:
                return None, refused
        if self._key is None:
            self._key = await self.store.signing_key()
        body = json.dumps(self.payload(run), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "runyard-webhooks",
            DELIVERY_HEADER: delivery.id,
            SIGNATURE_HEADER: signature(self._key, int(time.time()), body),
        }
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)
        request = self._client.build_request("POST", delivery.url, content=body, headers=headers)
        if address is not None:
            # Connect to the address just checked; the Host header and TLS's server name stay the URL's.
            request.headers["Host"] = request.url.netloc.decode("ascii")
            request.extensions["sni_hostname"] = request.url.host
            request.url = request.url.copy_with(host=address)
        try:
            response = await self._client.send(request)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"answered {response.status_code}"

    async def _public_address(self, url: str) -> tuple[str | None, str | None]:
        """(why the URL's host may not be sent to, None) when it is or resolves to a non-public address;
        else (None, the public address to connect to)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        literal = literal_host_problem(url)
        if literal is not None:
            return f"refused: {literal}", None
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
        except OSError as exc:
            return f"could not resolve {host}: {exc}", None
        addresses = [str(info[4][0]) for info in infos]
        private = sorted({a for a in addresses if not is_public(a)})
        if private or not addresses:
            return f"refused: {host} resolves to {', '.join(private) or 'nothing'}, not a public address (--webhook-allow-private allows it)", None
        return None, addresses[0]
