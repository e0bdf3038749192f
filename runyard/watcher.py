"""One watcher per process for every open stream: a handful of statements per interval, whatever the number of streams.

A stream used to read its run every quarter second on a connection of its own: 3,000 open streams
were 12,000 queries a second and, on PostgreSQL, a pool run dry (streams cut, heartbeats of running
runs refused). The watcher asks the store once per interval when each watched run last changed
(`updated_at`, by primary key, in chunks), reads again only the runs that did, and wakes their
streams. An idle stream costs a key in a dictionary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from runyard.domain import Run, RunyardError
from runyard.store.runs import RunStore

log = logging.getLogger("runyard.watcher")

CHUNK = 500  # run ids per statement


@dataclass
class _Watched:
    run: Run | None  # None once the run is deleted
    changed: asyncio.Future[None]  # resolved (and replaced) at each change
    version: int = 0  # how many changes the watcher has seen
    streams: int = 0


class RunWatcher:
    def __init__(self, runs: RunStore, interval: float = 0.25) -> None:
        self._runs = runs
        self.interval = interval
        self._watched: dict[str, _Watched] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def snapshots(self, first: Run) -> AsyncIterator[Run]:
        """The run, then each new state of it the watcher sees, until it has finished or is deleted.

        A stream waits without a timer of its own: an idle stream costs nothing until its run changes."""
        watched = self._watch(first)
        try:
            seen = watched.version
            run: Run | None = first
            while run is not None:
                yield run
                if run.state.finished:
                    return
                while watched.version == seen:
                    await asyncio.wait({watched.changed})  # never cancels the shared future
                seen, run = watched.version, watched.run
        finally:
            self._unwatch(first.id, watched)

    def _watch(self, first: Run) -> _Watched:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (test clients, CLIs): what the old one watched went with it
            self._loop, self._watched, self._task = loop, {}, None
        watched = self._watched.get(first.id)
        if watched is None:
            watched = self._watched[first.id] = _Watched(first, loop.create_future())
        watched.streams += 1
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._poll())
        return watched

    def _unwatch(self, run_id: str, watched: _Watched) -> None:
        watched.streams -= 1
        if watched.streams <= 0 and self._watched.get(run_id) is watched:
            del self._watched[run_id]

    async def _poll(self) -> None:
        """Until nothing is watched: every interval, which watched runs changed, and their new state."""
        while self._watched:
            await asyncio.sleep(self.interval)
            try:
                await self._refresh()
            except (RunyardError, OSError) as exc:  # the store is busy or gone: streams keep their last state
                log.warning("watching %d run(s): %s", len(self._watched), exc)
            except Exception:
                log.exception("watching %d run(s) failed", len(self._watched))

    async def _refresh(self) -> None:
        ids = list(self._watched)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            versions = await self._runs.versions(chunk)
            changed = [
                run_id for run_id in chunk if (w := self._watched.get(run_id)) is not None and w.run is not None and versions.get(run_id) != w.run.updated_at
            ]
            if not changed:
                continue
            fresh = {run.id: run for run in await self._runs.get_many(changed)}
            for run_id in changed:
                watched = self._watched.get(run_id)
                if watched is not None:
                    watched.run = fresh.get(run_id)
                    watched.version += 1
                    resolved, watched.changed = watched.changed, asyncio.get_running_loop().create_future()
                    resolved.set_result(None)
