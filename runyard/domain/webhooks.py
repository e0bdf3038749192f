"""What a webhook target may be: an http(s) URL whose host is a public address, unless the server
allows private ones. Checked on the URL's face at submit, and on the addresses its name resolves to
just before each delivery (runyard.executor.webhooks)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook URL on its face (scheme, host, length), or None. Names are resolved when sending."""
    if len(url) > MAX_URL_LENGTH:
        return f"webhook_url is longer than {MAX_URL_LENGTH} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError as exc:
        return f"webhook_url is not a valid URL: {exc}"
    if parts.scheme not in ("http", "https"):
        return "webhook_url must be an http:// or https:// URL"
    if not parts.hostname:
        return "webhook_url has no host"
    return None


def literal_host_problem(url: str) -> str | None:
    """A URL whose host is a non-public address written out (or localhost), or None."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return f"webhook_url's host {host} is this machine; the server does not allow private targets (--webhook-allow-private)"
    try:
        public = is_public(host)
    except ValueError:
        return None  # a name: checked when it is resolved
    return None if public else f"webhook_url's host {host} is not a public address; the server does not allow private targets (--webhook-allow-private)"


@dataclass(frozen=True)
class Delivery:
    """A run's webhook and how its delivery went (runyard.executor.webhooks sends it)."""

    id: str
    run_id: str
    url: str
    state: str  # pending, delivered, failed
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: int
    created_at: int
    delivered_at: int | None
