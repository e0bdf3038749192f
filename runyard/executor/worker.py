"""The worker pool: claims runs up to its concurrency, executes them, keeps the store tidy, stops gracefully."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field

from runyard import metrics
from runyard.domain import JobDefinition, JobNotFound, Run, RunState, StoreUnavailable
from runyard.executor.attempt import Attempt, AttemptSettings, Handover
from runyard.executor.webhooks import Payload, WebhookSender, WebhookSettings
from runyard.store.counts import RunCounts
from runyard.store.db import Database
from runyard.store.jobs import JobStore
from runyard.store.notify import READY_CHANNEL, listening
from runyard.store.queue import Outcome, RunQueue
from runyard.timeutil import now_us

log = logging.getLogger("runyard.worker")


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class WorkerSettings:
    concurrency: int = os.cpu_count() or 1
    lease_seconds: float = 15.0
    poll_interval: float = 0.2
    housekeeping_interval: float = 0.5
    shutdown_grace_seconds: float = 30.0
    check_interval: float = 0.25
    heartbeat_interval: float = 0.5
    webhooks: WebhookSettings = field(default_factory=WebhookSettings)


class Worker:
    def __init__(self, db: Database, settings: WorkerSettings | None = None, worker_id: str | None = None, webhook_payload: Payload | None = None) -> None:
        """`webhook_payload` renders a finished run for its webhook; without it this worker sends none."""
        self.db = db
        self.settings = settings or WorkerSettings()
        self.worker_id = worker_id or new_worker_id()
        self.webhooks = WebhookSender(db, self.worker_id, webhook_payload, self.settings.webhooks) if webhook_payload is not None else None
        self.queue = RunQueue(db)
        self.jobs = JobStore(db)
        self.counts = RunCounts(db)
        self._attempts: dict[asyncio.Task[None], Attempt | None] = {}
        self._wake = asyncio.Event()
        self._definitions: dict[tuple[str, int], JobDefinition] = {}
        self._stopping = False
        self._handing_back = False
        self._handover = Handover(wanted=lambda: not self._stopping, start=self._start)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then shut down gracefully (see shutdown)."""
        log.info("worker %s started (concurrency %d)", self.worker_id, self.settings.concurrency)
        # inc/dec rather than set: several pools in one process (tests, a server's) add up.
        metrics.SLOTS_TOTAL.inc(self.settings.concurrency)
        try:
            # On PostgreSQL a run stored by any process wakes this worker (runyard.store.notify).
            async with listening(self.db, READY_CHANNEL, lambda _payload: self.wake()):
                await self._work(stop)
            self._stop_claiming()
            await self.shutdown()
            if self.webhooks is not None:
                await self.webhooks.close()
        finally:
            metrics.SLOTS_TOTAL.dec(self.settings.concurrency)

    async def _work(self, stop: asyncio.Event) -> None:
        """Claim and start runs whenever slots are free, until `stop` is set."""
        # Stopping wakes the worker too, so that a pass rests on one event (not on two waiter tasks a pass).
        stopping = asyncio.ensure_future(stop.wait())
        stopping.add_done_callback(lambda _: self._stop_claiming())
        try:
            await self._passes(stop)
        finally:
            stopping.cancel()

    async def _passes(self, stop: asyncio.Event) -> None:
        next_housekeeping = next_webhooks = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            # Cleared before the work, not after: a wake that comes while this pass awaits the store
            # (a run submitted, an attempt ended) makes the next pass start at once instead of being lost.
            self._wake.clear()
            try:
                if loop.time() >= next_housekeeping:
                    next_housekeeping = loop.time() + self.settings.housekeeping_interval
                    await self.queue.housekeeping(now_us())
                    await self.counts.fold()
                await self._fill()
                # At most once a poll interval: a wake-up per run started must not be a look for
                # due webhook deliveries per run.
                if self.webhooks is not None and loop.time() >= next_webhooks:
                    next_webhooks = loop.time() + self.settings.poll_interval
                    await self.webhooks.dispatch()
            except StoreUnavailable as exc:  # a lock held elsewhere, a busy pool: the next poll tries again
                log.warning("worker %s: the store is unavailable: %s", self.worker_id, exc)
            except Exception:  # a database hiccup must not end the worker; try again shortly
                log.exception("worker %s: claim loop error", self.worker_id)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_interval):
                        await self._wake.wait()

    def _stop_claiming(self) -> None:
        """No more claims, not even an ending attempt's for its slot; the claim loop wakes to see it."""
        self._stopping = True
        self.wake()

    def wake(self) -> None:
        """Look for runs now rather than at the next poll: a run was submitted in this process."""
        self._wake.set()

    async def _fill(self) -> None:
        while (free := self.settings.concurrency - len(self._attempts)) > 0:
            claimed_at = time.monotonic()  # the lease counts from no later than this
            # Every free slot in one claim; a claim may take fewer than asked (a limit stops it,
            # see RunQueue.claim_many), so ask again until the slots are full or nothing is ready.
            runs = await self.queue.claim_many(self.worker_id, now_us(), self.settings.lease_seconds, free)
            if not runs:
                return
            self._start(runs, claimed_at)

    def _start(self, runs: list[Run], claimed_at: float) -> None:
        """Start attempts of claimed runs (by this worker's claim, or by an ending attempt's hand-over)."""
        for run in runs:
            # The claim that started it sets started_at and updated_at to its own time; a retry's or a
            # handed-back run's start stays its first, so its wait is not observed again.
            if run.started_at is not None and run.started_at == run.updated_at:
                metrics.START_DELAY.labels(run.job_name).observe(max(run.started_at - run.created_at, 0) / 1_000_000)
            task = asyncio.create_task(self._execute(run, claimed_at))
            self._attempts[task] = None
            metrics.SLOTS_BUSY.inc()
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._attempts.pop(task, None)
        metrics.SLOTS_BUSY.dec()
        self._wake.set()  # a slot is free: claim again without waiting for the poll
        if not task.cancelled() and task.exception() is not None:
            log.error("worker %s: attempt failed unexpectedly", self.worker_id, exc_info=task.exception())

    async def _execute(self, run: Run, claimed_at: float) -> None:
        task = asyncio.current_task()
        settings = AttemptSettings(
            worker_id=self.worker_id,
            lease_seconds=self.settings.lease_seconds,
            check_interval=self.settings.check_interval,
            heartbeat_interval=self.settings.heartbeat_interval,
        )
        try:
            job = await self._definition(run.job_name, run.job_version or 0)
        except JobNotFound:
            await self.queue.finish(
                run.id, self.worker_id, now_us(), Outcome(RunState.SYSTEM_FAILURE, error=f"Job {run.job_name!r} version {run.job_version} is not defined")
            )
            return
        # The slot this attempt frees goes to the next run in the same write as its outcome; the
        # new attempt is in _attempts before this one leaves it, so the slots are never over-filled.
        attempt = Attempt(run, job, self.queue, settings, handover=self._handover, lease_renewed_at=claimed_at)
        if task is not None:
            self._attempts[task] = attempt
        if self._handing_back:
            attempt.hand_back_requested.set()
        await attempt.execute()

    async def _definition(self, name: str, version: int) -> JobDefinition:
        """A job's version, read once: a version's definition never changes (a change is a new version)."""
        key = (name, version)
        definition = self._definitions.get(key)
        if definition is None:
            definition = self._definitions[key] = await self.jobs.get_version(name, version)
        return definition

    async def shutdown(self) -> None:
        """No more claims; running attempts get the grace period to finish, then are handed back to the queue."""
        if not self._attempts:
            return
        log.info("worker %s stopping: waiting up to %.0f s for %d run(s)", self.worker_id, self.settings.shutdown_grace_seconds, len(self._attempts))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.shutdown_grace_seconds
        # Waited for as a set that may grow: an attempt whose outcome was on its way when the worker
        # stopped may still have handed its slot to a run, which must not go on unwatched.
        while self._attempts and loop.time() < deadline:
            await asyncio.wait(list(self._attempts), timeout=deadline - loop.time())
        self._handing_back = True  # an attempt that starts from now on is handed back at once too
        for attempt in self._attempts.values():
            if attempt is not None:
                attempt.hand_back_requested.set()
        while self._attempts:
            await asyncio.wait(list(self._attempts))
