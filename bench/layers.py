"""Where a request's CPU goes, layer by layer: `python -m bench.layers [--runs N] [--requests N] [--only CASE,...] [--db postgresql]`.

The benchmark measures requests per second over HTTP; this measures one process's CPU per request,
in-process, with no HTTP server and no load generator: runyard's ASGI app and the floor's
(bench/floor.py) are called directly with the benchmark's own requests on a seeded store (SQLite, or
with --db postgresql a new PostgreSQL database: then only this process's CPU is counted, not the
database server's),
then runyard's calls again under cProfile, whose own time per function is summed by the package
that holds it (connexion, starlette, runyard's web layer, handlers, dialects, service, store,
pydantic, jsonschema, the driver...); a builtin's or the standard library's time goes to the
layers of its callers (one level up). cProfile slows what it measures; the shares are scaled to the
unprofiled time per request. Figures depend on the machine; run it on a quiet one.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pstats
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.floor import make_app as floor_app
from bench.main import DEFAULT_PG, cases, deep_cursor
from bench.seed import seed
from bench.stores import make_store

ASGI = Callable[..., Any]

# Package prefixes (of a function's file path) to the layer they are: first match wins.
LAYERS = (
    ("/connexion/middleware/security", "connexion: security"),
    ("/connexion/middleware/request_validation", "connexion: request validation"),
    ("/connexion/validators/", "connexion: request validation"),
    ("/connexion/middleware/routing", "connexion: routing"),
    ("/connexion/decorators/", "connexion: parameters and response decorators"),
    ("/connexion/uri_parsing", "connexion: parameters and response decorators"),
    ("/connexion/", "connexion: other"),
    ("/jsonschema/", "jsonschema (connexion's validators)"),
    ("/jsonschema_specifications/", "jsonschema (connexion's validators)"),
    ("/referencing/", "jsonschema (connexion's validators)"),
    ("/starlette/", "starlette (routers, requests, responses)"),
    ("/runyard/web/", "runyard web layer (app, security, errors, metrics, encoding)"),
    ("/handlers/", "runyard handlers, dialects, service"),
    ("/runyard/dialects/", "runyard handlers, dialects, service"),
    ("/runyard/service.py", "runyard handlers, dialects, service"),
    ("/runyard/store/", "runyard store (statements, rows)"),
    ("/runyard/", "runyard other"),
    ("/generated/", "pydantic models (generated)"),
    ("/pydantic/", "pydantic models (generated)"),
    ("pydantic_core", "pydantic models (generated)"),
    ("/sqlalchemy/", "sqlalchemy"),
    ("/aiosqlite/", "driver (sqlite3, aiosqlite)"),
    ("sqlite3", "driver (sqlite3, aiosqlite)"),
    ("/psycopg/", "driver (psycopg)"),
    ("/psycopg_pool/", "driver (psycopg)"),
    ("psycopg_binary", "driver (psycopg)"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
    ("orjson", "json"),
)


OTHER = "other (standard library, builtins)"


def layer_of(filename: str, function: str) -> str:
    for prefix, layer in LAYERS:
        if prefix in filename or prefix in function:
            return layer
    return OTHER


async def _call(app: ASGI, request: dict[str, Any]) -> int:
    """One request through an ASGI app; its status."""
    parts = urlsplit(request["path"])
    body = json.dumps(request["body"]).encode() if "body" in request else b""
    headers = [(b"host", b"127.0.0.1"), *((k.lower().encode(), v.encode()) for k, v in request.get("headers", {}).items())]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request["method"],
        "scheme": "http",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8005),
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _started(app: ASGI) -> Callable[[], Any]:
    """Run the app's lifespan start-up; returns what ends it."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put))
    message = await outbox.get()
    if message["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"start-up failed: {message}")

    async def stop() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task

    return stop


async def _cpu_per_request(app: ASGI, pool: list[dict[str, Any]], count: int) -> float:
    """Process CPU µs per request over `count` requests (after as many again to warm up)."""
    for i in range(count):
        status = await _call(app, pool[i % len(pool)])
        if status >= 400:
            raise RuntimeError(f"{pool[i % len(pool)]['path']}: HTTP {status}")
    start = time.process_time()
    for i in range(count):
        await _call(app, pool[i % len(pool)])
    return (time.process_time() - start) / count * 1e6


async def _profiled(app: ASGI, pool: list[dict[str, Any]], count: int) -> dict[str, float]:
    """Shares of own time by layer under cProfile (they sum to 1)."""
    profile = cProfile.Profile()
    profile.enable()
    for i in range(count):
        await _call(app, pool[i % len(pool)])
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    by_layer: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, tottime, _ct, callers) in stats.items():
        layer = layer_of(filename, function)
        if layer != OTHER or not callers:
            by_layer[layer] += tottime
            continue
        # A builtin or a standard library function works for whoever called it: its time goes to
        # its callers' layers, in proportion to the time each call took.
        spent = {caller: figures[3] for caller, figures in callers.items()}
        whole = sum(spent.values()) or 1.0
        for (caller_file, _l, caller_function), part in spent.items():
            by_layer[layer_of(caller_file, caller_function)] += tottime * part / whole
    total = sum(by_layer.values())
    return {layer: t / total for layer, t in by_layer.items()}


async def measure(url: str, info: Any, keys: list[str], count: int) -> list[dict[str, Any]]:
    from runyard.web.app import create_app

    runyard = create_app(url, background=False)
    floor = floor_app(url)
    stops = [await _started(runyard), await _started(floor)]
    out = []
    try:
        for case in cases(info):
            if case.key not in keys:
                continue
            mine = await _cpu_per_request(runyard, case.requests, count)
            theirs = await _cpu_per_request(floor, case.requests, count) if "floor" in case.servers else None
            shares = await _profiled(runyard, case.requests, count)
            out.append(
                {"case": case.key, "runyard_us": mine, "floor_us": theirs, "layers": {k: v * mine for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}}
            )
    finally:
        for stop in stops:
            await stop()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--only", default="status,list_status,trigger_first,tf_start,submit")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite", help="the store (PostgreSQL: a new database, dropped after)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL database to create it from")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        # On PostgreSQL the figures are this process's CPU only: the database server's own is not in them.
        store = make_store(args.db, Path(work), args.pg_url, prefix="layers")
        try:
            info = seed(store.url, args.runs)
            info.deep_cursor, info.deep_cursor_depth = deep_cursor(store.url, info.dev_env_id)
            results = asyncio.run(measure(store.url, info, args.only.split(","), args.requests))
        finally:
            store.cleanup()
    for r in results:
        floor = f"{r['floor_us']:.0f} µs" if r["floor_us"] else "—"
        print(f"\n## {r['case']}: runyard {r['runyard_us']:.0f} µs of CPU per request, floor {floor}\n")
        print("| layer | µs |\n| --- | --: |")
        for layer, us in r["layers"].items():
            if us >= 0.5:
                print(f"| {layer} | {us:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
