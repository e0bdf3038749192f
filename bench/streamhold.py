"""Hold many Server-Sent Events streams open: `python -m bench.streamhold`, driven over stdin/stdout.

Input: one JSON line {host, port, paths, arriving} on stdin. It opens one stream per path
(GET, raw sockets as bench/loadgen.py, `arriving` of them being opened at a time: thousands
asked in the same instant would queue for the server's store connections, and those waiting
past --store-wait are answered 503), reads each answer's head and first event, then prints one
JSON line {opened, failed, failures, seconds}. It holds them, reading whatever comes (heartbeats),
until its stdin closes, then prints {held, ended_early, events} and closes them all.

Its own process, so that the streams' sockets and reads cost neither the server nor the process
measuring it; it raises its open-files limit to what the streams need.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from typing import Any

from bench.servers import raise_file_limit

FIRST_EVENT_TIMEOUT_S = 60.0


class Stream:
    def __init__(self) -> None:
        self.writer: asyncio.StreamWriter | None = None
        self.reading: asyncio.Task[None] | None = None  # held here: the loop keeps only weak references to tasks
        self.events = 0
        self.ended = False  # the server closed it while held


async def _open(host: str, port: int, path: str, stream: Stream) -> str | None:
    """Open one stream and read its head and first event; None, or why it failed."""
    reader, writer = await asyncio.open_connection(host, port)
    stream.writer = writer
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), FIRST_EVENT_TIMEOUT_S)
    status = head.split(b" ", 2)[1]
    if status != b"200":
        writer.close()
        return f"HTTP {status.decode()}"
    # The events arrive chunked; an event ends with a blank line, whatever the chunk framing around it.
    await asyncio.wait_for(reader.readuntil(b"\n\n"), FIRST_EVENT_TIMEOUT_S)
    stream.events = 1
    stream.reading = asyncio.get_running_loop().create_task(_drain(reader, stream))
    return None


async def _drain(reader: asyncio.StreamReader, stream: Stream) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            stream.events += data.count(b"\n\n")
    stream.ended = True


async def run(spec: dict[str, Any]) -> None:
    host, port, paths = spec["host"], int(spec["port"]), list(spec["paths"])
    arriving = asyncio.Semaphore(int(spec.get("arriving", 50)))
    streams = [Stream() for _ in paths]
    failures: dict[str, int] = {}

    async def open_one(path: str, stream: Stream) -> None:
        async with arriving:
            try:
                why = await _open(host, port, path, stream)
            except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                why = type(exc).__name__
            if why is not None:
                failures[why] = failures.get(why, 0) + 1
                stream.ended = True

    t0 = time.perf_counter()
    await asyncio.gather(*(open_one(p, s) for p, s in zip(paths, streams, strict=True)))
    opened = sum(1 for s in streams if s.events and not s.ended)
    print(json.dumps({"opened": opened, "failed": len(paths) - opened, "failures": failures, "seconds": round(time.perf_counter() - t0, 2)}), flush=True)
    held_at_open = {id(s) for s in streams if s.events and not s.ended}

    await asyncio.to_thread(sys.stdin.read)  # until the bench closes our stdin
    held = [s for s in streams if id(s) in held_at_open]
    print(
        json.dumps({"held": sum(1 for s in held if not s.ended), "ended_early": sum(1 for s in held if s.ended), "events": sum(s.events for s in held)}),
        flush=True,
    )
    for s in streams:
        if s.writer is not None:
            s.writer.close()


def main() -> None:
    raise_file_limit()
    spec = json.loads(sys.stdin.readline())
    try:
        import uvloop  # a lighter loop for thousands of sockets

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(run(spec))


if __name__ == "__main__":
    main()
