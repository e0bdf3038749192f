"""A bounded HTTP/1.1 load generator, run in its own process: `python -m bench.loadgen < spec.json`.

Why not httpx: on a 2-core machine the client shares the CPU with the server,
and httpx spends ~10x more CPU per request than this loop of raw keep-alive
sockets does, so it would cap a fast server (the floor) long before the server
does. Each of `concurrency` connections sends one request, reads the whole
answer (Content-Length or chunked), and sends the next: a closed loop, as wrk.

Bounded in time and in requests: it stops at whichever of `duration` seconds or
`requests` answers comes first, after `warmup` seconds whose answers are not
counted. Requests still unanswered at the deadline are abandoned (their
connections closed) and not counted.

Input (JSON on stdin): host, port, concurrency, duration, requests, warmup,
timeout, and `requests_pool`: a list of {method, path, headers, body} picked at
random for each request. Output (JSON on stdout): answered, errors, status
counts, elapsed, rps, latency percentiles in milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, counted answers only
    statuses: dict[int, int] = field(default_factory=dict)
    errors: int = 0  # transport errors and timeouts
    error_samples: list[str] = field(default_factory=list)


def build_request(host: str, port: int, item: dict[str, Any]) -> bytes:
    body = item.get("body")
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    lines = [f"{item.get('method', 'GET')} {item['path']} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    headers = dict(item.get("headers") or {})
    if data:
        headers.setdefault("Content-Type", "application/json")
    if data or item.get("method", "GET") in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(data))
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def read_response(reader: asyncio.StreamReader) -> int:
    """Read one whole response; returns its status code."""
    return (await read_answer(reader))[0]


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one whole response; returns its status code and body (the bench's submits need the run's id)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, rest = head.partition(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    length = None
    chunked = False
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    body = b""
    if chunked:
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            parts.append((await reader.readexactly(size + 2))[:size])
            if size == 0:
                break
        body = b"".join(parts)
    elif length:
        body = await reader.readexactly(length)
    return status, body


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], int(spec["port"])
    pool = [build_request(host, port, item) for item in spec["requests_pool"]]
    concurrency = int(spec["concurrency"])
    duration = float(spec["duration"])
    limit = int(spec.get("requests") or 0) or None
    warmup = float(spec.get("warmup", 0.0))
    timeout = float(spec.get("timeout", 30.0))
    rng = random.Random(spec.get("seed", 1))
    stats = Stats()
    counted = 0
    state = {"measuring": False}
    done = asyncio.Event()

    async def connection() -> None:
        nonlocal counted
        reader = writer = None
        try:
            while not done.is_set():
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                request = pool[rng.randrange(len(pool))]
                measuring = state["measuring"]
                t0 = time.perf_counter()
                try:
                    writer.write(request)
                    status = await asyncio.wait_for(read_response(reader), timeout)
                except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    if measuring and state["measuring"]:
                        stats.errors += 1
                        if len(stats.error_samples) < 5:
                            stats.error_samples.append(f"{type(exc).__name__}: {exc}")
                    writer.close()
                    reader = writer = None
                    continue
                elapsed = time.perf_counter() - t0
                if measuring and state["measuring"]:
                    stats.latencies.append(elapsed)
                    stats.statuses[status] = stats.statuses.get(status, 0) + 1
                    counted += 1
                    if limit is not None and counted >= limit:
                        done.set()
        finally:
            if writer is not None:
                writer.close()

    tasks = [asyncio.create_task(connection()) for _ in range(concurrency)]
    if warmup > 0:
        await asyncio.sleep(warmup)
    state["measuring"] = True
    start = time.perf_counter()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), duration)
    elapsed = time.perf_counter() - start
    state["measuring"] = False
    done.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return summarise(stats, elapsed, concurrency)


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    # Nearest rank: the smallest value with at least p% of the values at or below it.
    k = min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))
    return sorted_values[k]


def summarise(stats: Stats, elapsed: float, concurrency: int) -> dict[str, Any]:
    lat = sorted(stats.latencies)

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 3)

    ok = sum(n for code, n in stats.statuses.items() if 200 <= code < 300)
    return {
        "concurrency": concurrency,
        "answered": len(lat),
        "ok": ok,
        "non_2xx": len(lat) - ok,
        "errors": stats.errors,
        "error_samples": stats.error_samples,
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "elapsed_s": round(elapsed, 3),
        "rps": round(ok / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms(percentile(lat, 50)),
        "p90_ms": ms(percentile(lat, 90)),
        "p99_ms": ms(percentile(lat, 99)),
        "max_ms": ms(lat[-1] if lat else None),
    }


def spawn(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run the load generator in its own process (`python -m bench.loadgen`, from the repository); its result,
    or {"error": ...}. The caller's process is the bench's, which must not compete with the server for CPU."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=timeout,
    )
    if done.returncode != 0:
        return {"error": f"load generator failed: {done.stderr.strip()[-500:]}"}
    return dict(json.loads(done.stdout))


def main() -> None:
    spec = json.load(sys.stdin)
    try:
        import uvloop  # a faster loop leaves more of the shared CPU to the server under test

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
