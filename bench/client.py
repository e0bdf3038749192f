"""The bench's own calls of a runyard server: submits whose run ids it keeps, over raw keep-alive sockets.

Not httpx, for the reason bench/loadgen.py gives: the bench shares two cores with the server it
measures, and queueing thousands of runs through httpx would take CPU from it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bench.loadgen import build_request, read_answer


class Connection:
    """One keep-alive HTTP/1.1 connection to 127.0.0.1:port, one request at a time."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None, timeout: float = 60.0) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(build_request(self.host, self.port, {"method": method, "path": path, "body": body}))
        return await asyncio.wait_for(read_answer(self._reader), timeout)

    async def submit(self, job: str) -> str:
        """Submit a run of `job` (native POST /api/v1/runs); its id. A store too busy to answer (503) is asked again."""
        for _ in range(20):
            status, body = await self.request("POST", "/api/v1/runs", {"job": job})
            if status == 202:
                return str(json.loads(body)["job_id"])
            if status != 503:
                break
            await asyncio.sleep(0.5)
        raise RuntimeError(f"submit of {job!r} answered {status}: {body[:300]!r}")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._reader = self._writer = None


async def _submit_many(port: int, job: str, count: int, concurrency: int) -> list[str]:
    ids: list[str] = []
    left = iter(range(count))

    async def one_connection() -> None:
        conn = Connection(port)
        try:
            for _ in left:  # the connections share one iterator: `count` submits in all
                ids.append(await conn.submit(job))
        finally:
            conn.close()

    await asyncio.gather(*(one_connection() for _ in range(max(1, min(concurrency, count)))))
    return ids


def submit_many(port: int, job: str, count: int, concurrency: int = 8) -> list[str]:
    """Queue `count` runs of `job` over `concurrency` connections; their ids."""
    return asyncio.run(_submit_many(port, job, count, concurrency))
