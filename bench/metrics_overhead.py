"""The CPU the request metrics middleware (runyard.web.metrics.RequestMetrics) adds to a request, in-process.

    .venv/bin/python -m bench.metrics_overhead            # one process (prometheus_client's registry in memory)
    PROMETHEUS_MULTIPROC_DIR=$(mktemp -d) .venv/bin/python -m bench.metrics_overhead   # as under serve --processes N

An app that answers at once (it names an operation as connexion's routing would) is called with and
without the middleware, 100,000 times a round, 7 rounds; the medians of process CPU per call are printed.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runyard.web.metrics import RequestMetrics


async def _answer(scope: Scope, _receive: Receive, send: Send) -> None:
    scope.setdefault("extensions", {})["connexion_routing"] = {"operation_id": "handlers.runs.get_run_status"}
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _receive() -> Message:
    return {"type": "http.request", "body": b""}


async def _send(_message: Message) -> None:
    pass


async def _per_call_us(app: ASGIApp, calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        await app({"type": "http", "path": "/api/v1/runs/run_x"}, _receive, _send)
    return (time.process_time() - started) / calls * 1e6


async def main(calls: int = 100_000, rounds: int = 7) -> None:
    wrapped = RequestMetrics(_answer)
    bare: list[float] = []
    timed: list[float] = []
    for _ in range(rounds):
        bare.append(await _per_call_us(_answer, calls))
        timed.append(await _per_call_us(wrapped, calls))
    b, t = statistics.median(bare), statistics.median(timed)
    print(f"bare app {b:.2f} us, with RequestMetrics {t:.2f} us: the middleware adds {t - b:.2f} us of CPU per request")


if __name__ == "__main__":
    asyncio.run(main())
