"""One watcher per process for every open stream: what an idle stream costs is a key in a dictionary.

A stream used to read its run every quarter second on a connection of its own: 3,000 open streams
were 12,000 queries a second and, on PostgreSQL, a pool run dry. Now one watcher per process learns
which watched runs changed and reads only those, then wakes their streams:

* PostgreSQL: it listens on `runyard_changed` (migration 0013: the database notifies a run's id when
  its state, progress or metadata changes, or it is deleted, whichever process changed it). While
  the listener is connected nothing is polled; if it drops, the watcher polls until it is back.
* SQLite has no notifications. Every interval the watcher looks at the database file and its
  write-ahead log (`os.stat`, no query): only when they changed since its last look does it ask the
  store when each watched run last changed (`updated_at`, by primary key, in chunks). As a safety net
  against a change the file times cannot show (two commits within one tick of the file system's
  clock), it asks anyway every SAFETY_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import psycopg

from runyard.domain import Run, RunyardError
from runyard.store.db import Database
from runyard.store.notify import listen
from runyard.store.runs import RunStore

log = logging.getLogger("runyard.watcher")

CHUNK = 500  # run ids per statement
CHANGED_CHANNEL = "runyard_changed"
SAFETY_SECONDS = 5.0  # SQLite: a look at every watched run at least this often, whatever the file times say


@dataclass
class _Watched:
    run: Run | None  # None once the run is deleted
    changed: asyncio.Future[None]  # resolved (and replaced) at each change
    version: int = 0  # how many changes the watcher has seen
    streams: int = 0


class RunWatcher:
    def __init__(self, db: Database, interval: float = 0.25) -> None:
        self._db = db
        self._runs = RunStore(db)
        self.interval = interval
        self._watched: dict[str, _Watched] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._listening = False  # PostgreSQL: the listener is connected, so nothing needs polling
        self._dirty: set[str] = set()  # watched runs told changed, or newly watched, not read since
        self._told = asyncio.Event()
        self._file_times: tuple[int, ...] | None = None
        self._looked_at = 0.0
        self.queries = 0  # statements the watcher made (the benchmark and tests read it)

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
            # It may have changed between its first read and now, before any notice could name it.
            self._dirty.add(first.id)
            self._told.set()
        watched.streams += 1
        if self._task is None or self._task.done():
            self._told = asyncio.Event()
            self._told.set()
            self._task = loop.create_task(self._watch_all())
        return watched

    def _unwatch(self, run_id: str, watched: _Watched) -> None:
        watched.streams -= 1
        if watched.streams <= 0 and self._watched.get(run_id) is watched:
            del self._watched[run_id]

    async def _watch_all(self) -> None:
        """Until nothing is watched: read what changed, as told by the listener (PostgreSQL) or
        found by a look every interval."""
        listener = asyncio.create_task(self._listen()) if self._db.kind == "postgresql" else None
        try:
            while self._watched:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._told.wait(), self.interval)
                self._told.clear()
                try:
                    await self._catch_up()
                except (RunyardError, OSError, psycopg.Error) as exc:  # the store is busy or gone: streams keep their last state
                    log.warning("watching %d run(s): %s", len(self._watched), exc)
                except Exception:
                    log.exception("watching %d run(s) failed", len(self._watched))
        finally:
            if listener is not None:
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
            self._listening = False

    async def _catch_up(self) -> None:
        """Read the runs known to have changed; look at every watched run when the store could not tell."""
        dirty, self._dirty = self._dirty, set()
        if not self._listening and self._anything_changed():
            await self._refresh(list(self._watched))
        elif dirty:
            await self._refresh([run_id for run_id in dirty if run_id in self._watched], known=True)

    def _anything_changed(self) -> bool:
        """Without notifications: whether any watched run may have changed since the last look."""
        if self._db.kind != "sqlite":
            return True  # PostgreSQL with its listener down: poll
        path = self._db.sqlite_path
        times = []
        for name in (path, f"{path}-wal"):
            with contextlib.suppress(OSError):
                stat = os.stat(name)
                times += [stat.st_mtime_ns, stat.st_size, stat.st_ino]
        now = time.monotonic()
        if tuple(times) == self._file_times and now - self._looked_at < SAFETY_SECONDS:
            return False
        self._file_times, self._looked_at = tuple(times), now
        return True

    async def _listen(self) -> None:
        """PostgreSQL: hear which runs changed, from a connection of this watcher's own."""
        await listen(self._db, CHANGED_CHANNEL, self._heard, self._lost)

    def _heard(self, run_id: str | None) -> None:
        if run_id is None:  # listening (again): what changed while nobody listened
            self._listening = True
            self._dirty.update(self._watched)
            self._told.set()
        elif run_id in self._watched:
            self._dirty.add(run_id)
            self._told.set()

    def _lost(self) -> None:
        self._listening = False
        self._told.set()

    async def _refresh(self, ids: list[str], *, known: bool = False) -> None:
        """Wake the streams of those of `ids` that changed (`known`: they did, read them at once)."""
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            if known:
                changed = chunk
            else:
                versions = await self._runs.versions(chunk)
                self.queries += 1
                changed = [
                    run_id
                    for run_id in chunk
                    if (w := self._watched.get(run_id)) is not None and w.run is not None and versions.get(run_id) != w.run.updated_at
                ]
            if not changed:
                continue
            fresh = {run.id: run for run in await self._runs.get_many(changed)}
            self.queries += 1
            for run_id in changed:
                watched = self._watched.get(run_id)
                if (
                    watched is not None
                    and watched.run is not None
                    and (fresh_run := fresh.get(run_id)) is not None
                    and fresh_run.updated_at == watched.run.updated_at
                ):
                    continue  # told of a change this stream has seen already
                if watched is not None:
                    watched.run = fresh.get(run_id)
                    watched.version += 1
                    resolved, watched.changed = watched.changed, asyncio.get_running_loop().create_future()
                    resolved.set_result(None)
