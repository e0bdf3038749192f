"""The spawn floor: `true` run N times, C at a time, by a bare asyncio program with no store.

`python -m bench.spawnfloor --runs N --concurrency C` prints {"runs", "seconds", "runs_per_s"}.

What a worker executing `true` cannot go below on this machine: each run is a process started
with asyncio.create_subprocess_exec with its stdin, stdout and stderr piped and read to the end
(as runyard gives a run its input and reads its output), and waited for; no claim, no lease, no
heartbeat, no outcome written. Timed from the first spawn to the last exit, as the execution case
times runyard from its first run's start to its last run's end. Imports nothing from runyard.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time


async def _run(runs: int, concurrency: int, argv: list[str]) -> float:
    slots = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with slots:
            process = await asyncio.create_subprocess_exec(*argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
            await process.communicate(b"null")
            if process.returncode != 0:
                raise RuntimeError(f"{argv} exited with {process.returncode}")

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(runs)))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.spawnfloor")
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--command", default="true", help="the program run each time (default true)")
    args = parser.parse_args()
    seconds = asyncio.run(_run(args.runs, args.concurrency, [args.command]))
    print(json.dumps({"runs": args.runs, "concurrency": args.concurrency, "seconds": round(seconds, 3), "runs_per_s": round(args.runs / seconds, 1)}))


if __name__ == "__main__":
    main()
