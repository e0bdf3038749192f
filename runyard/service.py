"""The core's use cases: one call per request, no HTTP and no dialect in sight."""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from runyard.domain import (
    REDACTED,
    AdminRequired,
    ApiKey,
    BatchAlreadyStored,
    CommandOverrideForbidden,
    Credential,
    Cursor,
    DeclarativeSchedule,
    Environment,
    IdempotencyKeyNotFound,
    InputTooLarge,
    InvalidInput,
    InvalidJob,
    JobDefinition,
    JobForbidden,
    JobNotFound,
    JobVersion,
    NewRun,
    Page,
    QueueFull,
    Run,
    RunConflict,
    RunFilter,
    RunHead,
    RunNotFound,
    RunState,
    RunyardError,
    ScheduleNotFound,
    StateCounts,
    StoredJob,
    Window,
)
from runyard.domain.batches import Batch, BatchFill, BatchRuns, BatchStatus
from runyard.domain.bulk import BULK_CHUNK, BulkAction, BulkKind, NewBulkAction
from runyard.domain.metadata import check_size
from runyard.domain.overview import HOUR_US, Overview
from runyard.domain.retention import cutoff, retention_days
from runyard.domain.runs import Attempt
from runyard.domain.schedules import DeclaredSchedule, NewSchedule, Overlap, Schedule, ScheduleChange, firing, scheduled_payload, upcoming
from runyard.domain.values import json_problem
from runyard.domain.webhooks import Delivery, literal_host_problem, url_problem
from runyard.ids import run_id_created_at
from runyard.settings import DEFAULT_MAX_INPUT_BYTES, DEFAULT_PROMPT_JOB
from runyard.store.attempts import AttemptStore
from runyard.store.batches import BatchStore
from runyard.store.bulk import BulkStore
from runyard.store.counts import RunCounts
from runyard.store.db import Database
from runyard.store.jobs import JobStore
from runyard.store.keys import KeyStore
from runyard.store.queues import QueueStore
from runyard.store.retention import RunRetention
from runyard.store.runs import RunStore
from runyard.store.schedules import ScheduleStore
from runyard.store.webhooks import WebhookStore
from runyard.timeutil import now_us
from runyard.watcher import RunWatcher

BULK_LEASE_US = 60 * 1_000_000  # a server working on a bulk action holds it this long between chunks
RETENTION_BATCH = 500  # runs deleted per transaction by retention (on SQLite about 0.1 s of the write lock)
RETENTION_MIN_PAUSE = 0.005  # seconds, at the least, between two of retention's transactions

# Where runs submitted without a key belong.
DEFAULT_ENVIRONMENT = "default"

# A position in the newest-first order: a cursor, or the id of a run to start from.
Position = Cursor | str


log = logging.getLogger("runyard.service")


@dataclass(frozen=True)
class Submitted:
    run: Run
    created: bool


@dataclass(frozen=True)
class JobRun:
    """A run of a job, with the argv it executes."""

    job: StoredJob
    run: Run
    command: list[str]


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as shown: with its environment and its next due times (none while inactive)."""

    schedule: Schedule
    environment: Environment
    upcoming: list[int]  # epoch microseconds, at most five

    @property
    def next_run(self) -> int | None:
        return self.upcoming[0] if self.upcoming else None


@dataclass(frozen=True)
class RunListing:
    """A page of run summaries, with the names of their environments (id -> name)."""

    page: Page
    environments: dict[str, str]


@dataclass(frozen=True)
class RunDetails:
    """A run, its webhook's delivery (if it has one), its environment's name and its attempts: what a run's page shows."""

    run: Run
    delivery: Delivery | None
    environment: str
    attempts: list[Attempt]


@dataclass(frozen=True)
class JobRunsPage:
    job: StoredJob
    runs: list[JobRun]
    total: int


class RunService:
    def __init__(
        self,
        db: Database,
        *,
        max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES,
        prompt_job: str = DEFAULT_PROMPT_JOB,
        webhook_allow_private: bool = False,
        worker_slots: int = 0,
        max_queued: int | None = None,
    ) -> None:
        """`prompt_job` runs prompt submissions that name no job; `webhook_allow_private` lets webhooks
        target private, loopback and link-local addresses."""
        self.db = db
        self.max_input_bytes = max_input_bytes
        self.prompt_job = prompt_job
        self.webhook_allow_private = webhook_allow_private
        self.worker_slots = worker_slots  # this server's embedded worker concurrency
        self.max_queued = max_queued  # runs waiting to start beyond which submits are refused (None: no limit)
        self.stopping = False  # set when the server shuts down
        self._on_ready: builtins.list[Callable[[], None]] = []
        self.runs = RunStore(db)
        self.jobs = JobStore(db)
        self.keys = KeyStore(db)
        self.watcher = RunWatcher(db)
        self.webhooks = WebhookStore(db)
        self.schedules = ScheduleStore(db)
        self.batches = BatchStore(db)
        self.queues = QueueStore(db)
        self.retention = RunRetention(db)
        self.bulk = BulkStore(db)
        self.counts = RunCounts(db)
        self.attempts = AttemptStore(db)
        self._default: Environment | None = None
        # Environment names by id. Environments are few, never renamed and never deleted, so a name
        # once read stays true; a list page names its runs' environments without a statement per run.
        self._environment_names: dict[str, str] = {}

    async def health(self) -> str:
        """The kind of store, after proving it answers a query."""
        await self.runs.ping()
        return self.db.kind

    async def default_environment(self) -> Environment:
        """The environment of requests without a key, created on first use."""
        if self._default is None:
            self._default = await self.keys.environment(DEFAULT_ENVIRONMENT)
        return self._default

    async def authenticate(self, secret: str) -> Credential | None:
        return await self.keys.authenticate(secret)

    async def anonymous(self) -> Credential:
        """Who a request without a key speaks for on an open server: an admin of `default`."""
        return Credential(None, await self.default_environment(), admin=True)

    # --- runs -----------------------------------------------------------------------------

    def when_runs_ready(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever this service stores runs that are ready to start (the server's
        embedded worker looks for them at once instead of at its next poll)."""
        self._on_ready.append(callback)

    def _ready(self) -> None:
        for callback in self._on_ready:
            callback()

    async def submit(self, new: NewRun) -> Submitted:
        """Store a run of a defined job (JobNotFound otherwise, and nothing is stored).

        A run submitted without an environment (no key) belongs to `default`; one without a job
        (a prompt) runs the prompt job.
        """
        job_name = new.job_name or self.prompt_job
        return await self._submit(dataclasses.replace(new, job_name=job_name), await self.jobs.get(job_name))

    async def _submit(self, new: NewRun, job: StoredJob) -> Submitted:
        """submit, for a job the caller has read already."""
        new = await self._prepared(new, job)
        if self.max_queued is not None:
            if new.idempotency_key is not None:  # a repeat is answered with its run, full queue or not
                existing = await self.runs.live_by_idempotency_key(new.env_id, new.idempotency_key)
                if existing is not None:
                    return Submitted(existing, False)
            await self._room_for(1)
        run, created = await self.runs.insert(new)
        if created and run.state is RunState.QUEUED:
            self._ready()
        await self._queue_limits([new])
        return Submitted(run, created)

    async def _queue_limits(self, stored: builtins.list[NewRun]) -> None:
        """The queue limits stored runs' triggers gave (SDK 3.x's concurrencyLimit), once they are stored."""
        for new in stored:
            if new.queue_name is not None and new.queue_limit is not None:
                await self.queues.set_from_trigger(new.queue_name, new.queue_limit)

    async def _prepared(self, new: NewRun, job: StoredJob) -> NewRun:
        """A run checked against its job and the server's limits, with the job's defaults filled in."""
        problem = json_problem(new.input)
        if problem is not None:
            raise InvalidInput("input", problem.replace("The body", "The run's input", 1))
        if new.metadata is not None:
            check_size(new.metadata)
        size = len(json.dumps(new.input, separators=(",", ":"), ensure_ascii=False).encode()) if new.input is not None else 0
        if size > self.max_input_bytes:
            raise InputTooLarge(size, self.max_input_bytes)
        if new.webhook_url is not None:
            self._check_webhook(new.webhook_url)
        if new.env_id is None:
            new = dataclasses.replace(new, env_id=(await self.default_environment()).id)
        definition = job.definition
        if new.job_version is not None and new.job_version != job.version:
            definition = await self.jobs.get_version(job.name, new.job_version)  # JobNotFound for a version that never was
        if new.command_override is not None and not definition.allow_command_override:
            raise CommandOverrideForbidden(job.name)  # what runs is decided by whoever defines the job
        return dataclasses.replace(new, job_version=new.job_version or job.version, max_attempts=new.max_attempts or definition.max_attempts)

    async def _room_for(self, count: int) -> None:
        """QueueFull unless `count` more runs fit under --max-queued."""
        if self.max_queued is not None:
            waiting = await self.counts.waiting()
            if waiting + count > self.max_queued:
                raise QueueFull(waiting, self.max_queued)

    # --- batches --------------------------------------------------------------------------

    async def create_batch(self, env_id: str, run_count: int, idempotency_key: str | None = None) -> tuple[Batch, bool]:
        """A batch waiting for its items (Trigger.dev's two-phase batches); (batch, created). The same
        idempotency key in the environment answers the batch made first."""
        return await self.batches.create(env_id, run_count, idempotency_key)

    async def fill_batch(self, batch_id: str, env_id: str, items: builtins.list[NewRun]) -> BatchFill:
        """Store a batch's items as its runs, all in one transaction or none. Items sent again after the
        batch is complete change nothing (they are counted as deduplicated)."""
        batch = await self.batches.get(batch_id, env_id)
        if batch.status == BatchStatus.COMPLETED:
            return BatchFill(batch, accepted=0, deduplicated=len(items))
        if len(items) > batch.run_count:
            raise InvalidInput("items", f"Item index {len(items) - 1} exceeds batch runCount {batch.run_count}")
        if len(items) < batch.run_count:
            return BatchFill(batch, accepted=0, deduplicated=0, sealed=False)  # the SDK sends them all again
        try:
            await self._store_batch(batch, items)
        except BatchAlreadyStored:  # another request stored them a moment ago
            return BatchFill(await self.batches.get(batch_id, env_id), accepted=0, deduplicated=len(items))
        return BatchFill(await self.batches.get(batch_id), accepted=len(items), deduplicated=0)

    async def trigger_batch(self, env_id: str, items: builtins.list[NewRun], idempotency_key: str | None = None) -> BatchRuns:
        """A batch and its runs at once (Trigger.dev's one-request batches): each item's run and
        whether it was made now (an item's idempotency key may return an earlier run). The batch's
        own idempotency key answers the batch made first, its runs all earlier ones."""
        prepared = await self._prepared_items(env_id, items)  # an unknown job or a bad item: nothing is made
        batch, created = await self.batches.create(env_id, len(items), idempotency_key)
        if created and batch.status != BatchStatus.COMPLETED:
            try:
                results = await self._insert_batch(batch, prepared)
                return BatchRuns(await self.batches.get(batch.id), True, [(run.id, run.job_name, made) for run, made in results])
            except BatchAlreadyStored:
                batch = await self.batches.get(batch.id, env_id)
        names = [item.job_name or self.prompt_job for item in items]
        return BatchRuns(batch, False, [(run_id, names[i] if i < len(names) else "", False) for i, run_id in enumerate(batch.run_ids)])

    async def _store_batch(self, batch: Batch, items: builtins.list[NewRun]) -> builtins.list[tuple[Run, bool]]:
        return await self._insert_batch(batch, await self._prepared_items(batch.env_id, items))

    async def _prepared_items(self, env_id: str, items: builtins.list[NewRun]) -> builtins.list[NewRun]:
        jobs: dict[str, StoredJob] = {}
        prepared = []
        for item in items:
            name = item.job_name or self.prompt_job
            if name not in jobs:
                jobs[name] = await self.jobs.get(name)  # JobNotFound: nothing is stored
            prepared.append(await self._prepared(dataclasses.replace(item, job_name=name, env_id=env_id), jobs[name]))
        return prepared

    async def _insert_batch(self, batch: Batch, prepared: builtins.list[NewRun]) -> builtins.list[tuple[Run, bool]]:
        await self._room_for(len(prepared))
        # The batch is completed in the same transaction as its runs are stored.
        results = await self.runs.insert_many([dataclasses.replace(item, batch_id=batch.id) for item in prepared], batch_id=batch.id)
        if any(created and run.state is RunState.QUEUED for run, created in results):
            self._ready()
        await self._queue_limits(prepared)
        return results

    # --- bulk actions ---------------------------------------------------------------------

    async def create_bulk_action(self, new: NewBulkAction) -> BulkAction:
        """A bulk action over the runs of a filter (those that exist now) or of ids, in the
        environment; it is carried out in the background (process_bulk_actions)."""
        cutoff = now_us()
        if new.run_ids is not None:
            new = dataclasses.replace(new, run_ids=tuple(dict.fromkeys(new.run_ids)))
            total = len(new.run_ids or ())
        else:
            flt = dataclasses.replace(new.filter or RunFilter(), env_id=new.env_id)
            new = dataclasses.replace(new, filter=flt)
            total = await self.runs.count(flt, cutoff=cutoff)
        return await self.bulk.create(new, total, cutoff)

    async def bulk_action(self, bulk_id: str, env_id: str) -> BulkAction:
        return await self.bulk.get(bulk_id, env_id)

    async def bulk_actions_page(
        self, env_id: str, *, limit: int, after: tuple[int, str] | None = None, before: tuple[int, str] | None = None
    ) -> tuple[builtins.list[BulkAction], bool, bool]:
        return await self.bulk.page(env_id, limit=limit, after=after, before=before)

    async def abort_bulk_action(self, bulk_id: str, env_id: str) -> BulkAction:
        """Stop a bulk action: the chunk under way finishes, no other starts (BulkActionFinished once done)."""
        return await self.bulk.abort(bulk_id, env_id)

    async def process_bulk_actions(self, worker_id: str, *, budget_seconds: float = 2.0) -> int:
        """Carry a pending bulk action forward a chunk at a time (at least one) for about `budget_seconds`; chunks done."""
        action = await self.bulk.claim(worker_id, now_us(), BULK_LEASE_US)
        if action is None:
            return 0
        chunks = 0
        deadline = time.monotonic() + budget_seconds
        while True:
            chunks += 1
            step = await self._bulk_chunk(action)
            if not await self.bulk.record(action, worker_id, lease_us=BULK_LEASE_US, **step) or step["done"] or time.monotonic() >= deadline:
                return chunks
            action = await self.bulk.get(action.id)

    async def _bulk_chunk(self, action: BulkAction) -> dict[str, Any]:
        """One chunk of a bulk action: what it did, and where the next one starts."""
        if action.run_ids is not None:
            position = action.cursor[0] if action.cursor else 0
            ids = action.run_ids[position : position + BULK_CHUNK]
            chosen: builtins.list[Run | None] = []
            for run_id in ids:
                try:
                    chosen.append(await self.run(run_id, env_id=action.env_id))
                except RunNotFound:
                    chosen.append(None)
            cursor = (position + len(ids), "")
            done = position + len(ids) >= len(action.run_ids)
        else:
            flt = action.filter or RunFilter(env_id=action.env_id)
            found = await self.runs.oldest_after(flt, cutoff=action.cutoff, after=action.cursor, limit=BULK_CHUNK)
            chosen = list(found)
            cursor = (found[-1].created_at, found[-1].id) if found else (action.cursor or (action.cutoff, ""))
            done = len(found) < BULK_CHUNK
        success, failure, touched = 0, 0, []
        for run in chosen:
            if run is None:
                failure += 1
                continue
            try:
                if action.kind is BulkKind.CANCEL:
                    await self.runs.cancel(run.id)
                    touched.append(run.id)
                else:
                    touched.append((await self.submit(_replay_of(run))).run.id)
                success += 1
            except RunyardError:  # a finished run cannot be cancelled; a job that is gone cannot be replayed
                failure += 1
        return {"cursor": cursor, "success": success, "failure": failure, "run_ids": touched, "done": done}

    async def batch(self, batch_id: str, env_id: str) -> Batch:
        return await self.batches.get(batch_id, env_id)

    # --- retention ------------------------------------------------------------------------

    async def apply_retention(self, server_days: int | None, *, now: int | None = None, batch_size: int = RETENTION_BATCH) -> int:
        """One retention pass: delete every finished run past its job's retention (the job's own
        `retention_days`, else `server_days`; runyard.domain.retention), oldest first, `batch_size`
        runs per transaction. After each batch it rests as long as the batch took, so that requests,
        workers and other processes have the store (SQLite's write lock) at least half the time
        while a backlog is worked off. Stops between batches when the server stops. Logs the pass's
        deletions once, even when a store failure ends it early (the failure goes on to the caller);
        returns how many runs it deleted."""
        now = now_us() if now is None else now
        own = {job.name: job.definition.retention_days for job in await self.jobs.list()}
        if not server_days and not any(own.values()):
            return 0  # no one asked for runs to go: not a look at them
        started = time.monotonic()
        deleted: dict[str, int] = {}
        rest = 0.0
        try:
            for job_name in await self.retention.jobs_with_finished_runs():
                days = retention_days(own.get(job_name), server_days)
                if days is None:
                    continue  # this job's runs are kept forever
                since: int | None = None
                while not self.stopping:
                    if rest:
                        await asyncio.sleep(rest)
                    began = time.monotonic()
                    batch = await self.retention.delete_batch(job_name, cutoff(now, days), since=since, limit=batch_size)
                    rest = max(RETENTION_MIN_PAUSE, time.monotonic() - began) if batch.runs else 0.0
                    if batch.runs:
                        deleted[job_name] = deleted.get(job_name, 0) + batch.runs
                    if batch.runs < batch_size:
                        break  # none left of this job (another server may be deleting the rest: those are locked)
                    since = batch.last_completed_at
        finally:
            total = sum(deleted.values())
            per_job = ", ".join(f"{name} {count}" for name, count in deleted.items())
            log.log(
                logging.INFO if total else logging.DEBUG,
                "retention: deleted %d finished run(s) past their retention in %.1f s%s",
                total,
                time.monotonic() - started,
                f" ({per_job})" if per_job else "",
            )
        return total

    # --- schedules ------------------------------------------------------------------------

    async def put_schedule(self, new: NewSchedule, now: int | None = None, *, credential: Credential | None = None) -> tuple[Schedule, bool]:
        """Create a schedule of a defined job (or update the one with its deduplication key); admins
        only when a credential is given (what runs when is decided by admins). Nothing is stored for
        an unknown job, a job the environment may not see, a bad expression or zone."""
        if credential is not None:
            _admin_only(credential, "create or change schedules")
        await self._schedulable(new.job_name, new.env_id)
        if new.deduplication_key is not None:
            existing = await self.schedules.find(new.env_id, new.deduplication_key)
            if existing is not None and existing.declarative != new.declarative:
                if existing.declarative:
                    raise DeclarativeSchedule(existing.id, existing.job_name)
                raise InvalidInput("deduplication_key", f"{new.deduplication_key!r} is the key of schedule {existing.id}, made through the API")
        return await self.schedules.put(new, now if now is not None else now_us())

    async def create_schedule(self, new: NewSchedule, credential: Credential, environment: str | None = None) -> tuple[ScheduleView, bool]:
        """put_schedule for an API: in the credential's environment, or (admins) the named one."""
        if environment is not None and environment != credential.environment.name:
            _admin_only(credential, "create schedules in another environment")
            new = dataclasses.replace(new, env_id=(await self.keys.environment(environment)).id)
        schedule, created = await self.put_schedule(new, credential=credential)
        return (await self._views([schedule]))[0], created

    async def _schedulable(self, job_name: str, env_id: str) -> None:
        job = await self.jobs.get(job_name)  # JobNotFound
        if job.definition.environments is not None:  # the environment's name is read only when it matters
            _visible_to(job, await self.keys.environment_by_id(env_id))

    async def _views(self, schedules: builtins.list[Schedule]) -> builtins.list[ScheduleView]:
        envs = await self.keys.environments_by_id({s.env_id for s in schedules})
        now = now_us()
        return [ScheduleView(s, envs.get(s.env_id) or Environment(s.env_id, "?"), upcoming(s, now) if s.active else []) for s in schedules]

    async def _schedule(self, schedule_id: str, env_id: str | None, by_key: bool = False) -> Schedule:
        """A schedule by id in what `env_id` sees; with `by_key`, also by its deduplication key in
        that environment (Trigger.dev's API takes either)."""
        try:
            schedule = await self.schedules.get(schedule_id)
        except ScheduleNotFound:
            keyed = await self.schedules.find(env_id, schedule_id) if by_key and env_id is not None else None
            if keyed is None:
                raise
            return keyed
        if env_id is not None and schedule.env_id != env_id:
            raise ScheduleNotFound(schedule_id)
        return schedule

    async def schedule(self, schedule_id: str, *, env_id: str | None = None, by_key: bool = False) -> ScheduleView:
        """A schedule; with `env_id`, only that environment's (another's is not found)."""
        return (await self._views([await self._schedule(schedule_id, env_id, by_key)]))[0]

    async def schedules_page(
        self,
        credential: Credential,
        *,
        page: int,
        page_size: int,
        job_name: str | None = None,
        environment: str | None = None,
        env_id: str | None = None,
        newest_first: bool = False,
    ) -> tuple[builtins.list[ScheduleView], int]:
        """A numbered page of the schedules the credential sees, oldest first, and how many there are.

        `env_id` confines it to one environment (Trigger.dev's API is one environment's); otherwise
        `environment` (a name) narrows an admin's list, and any other key sees only its own."""
        if env_id is None:
            env_id = credential.scope
            if environment is not None:
                if not credential.admin and environment != credential.environment.name:
                    raise AdminRequired("list the schedules of another environment")
                found = await self.keys.find_environment(environment)
                if found is None:
                    return [], 0
                env_id = found.id
        found_schedules, total = await self.schedules.page(
            env_id=env_id, job_name=job_name, offset=(page - 1) * page_size, limit=page_size, newest_first=newest_first
        )
        return await self._views(found_schedules), total

    async def _changeable(self, schedule_id: str, credential: Credential, env_id: str | None, action: str, by_key: bool) -> Schedule:
        _admin_only(credential, action)
        schedule = await self._schedule(schedule_id, env_id, by_key)
        if schedule.declarative:
            raise DeclarativeSchedule(schedule.id, schedule.job_name)
        return schedule

    async def update_schedule(
        self, schedule_id: str, change: ScheduleChange, credential: Credential, *, env_id: str | None = None, by_key: bool = False
    ) -> ScheduleView:
        """Set a schedule's job, expression, zone and external id (and input and overlap when given)."""
        schedule = await self._changeable(schedule_id, credential, env_id, "create or change schedules", by_key)
        await self._schedulable(change.job_name, schedule.env_id)
        changed = dataclasses.replace(
            schedule,
            job_name=change.job_name,
            cron=change.cron,
            timezone=change.timezone,
            external_id=change.external_id,
            input=change.input if change.input is not None else schedule.input,
            overlap=change.overlap or schedule.overlap,
        )
        return (await self._views([await self.schedules.replace(changed, now_us())]))[0]

    async def set_schedule_active(
        self, schedule_id: str, active: bool, credential: Credential, *, env_id: str | None = None, by_key: bool = False
    ) -> ScheduleView:
        """Activate (due next after now: nothing fires for the time it was inactive) or deactivate."""
        schedule = await self._changeable(schedule_id, credential, env_id, "activate or deactivate schedules", by_key)
        return (await self._views([await self.schedules.replace(dataclasses.replace(schedule, active=active), now_us())]))[0]

    async def delete_schedule(self, schedule_id: str, credential: Credential, *, env_id: str | None = None, by_key: bool = False) -> Schedule:
        """Remove a schedule (its runs stay); the schedule as it was."""
        schedule = await self._changeable(schedule_id, credential, env_id, "delete schedules", by_key)
        await self.schedules.delete(schedule.id)
        return schedule

    async def apply_declared(self, declared: builtins.list[DeclaredSchedule]) -> None:
        """Make the jobs file's schedules the declarative ones: each created or updated (by its
        deduplication key, in its environment), and those no longer declared removed."""
        kept = set()
        for item in declared:
            env = await self.keys.environment(item.environment)
            new = NewSchedule(
                env_id=env.id,
                job_name=item.job_name,
                cron=item.cron,
                timezone=item.timezone,
                deduplication_key=item.deduplication_key,
                declarative=True,
            )
            schedule, _ = await self.put_schedule(new)
            kept.add(schedule.id)
        for stale in await self.schedules.declared():
            if stale.id not in kept:
                with contextlib.suppress(ScheduleNotFound):
                    await self.schedules.delete(stale.id)

    async def fire_schedules(self, now: int) -> list[Run]:
        """Fire every schedule whose due time has come: one run per (schedule, due time), however
        many servers call this at once (a unique index decides), following each overlap policy."""
        fired: list[Run] = []
        for schedule in await self.schedules.due(now):
            due, next_due = firing(schedule, now)
            previous = await self.runs.latest_of_schedule(schedule.id) if schedule.overlap is not Overlap.ALLOW else None
            busy = previous is not None and not previous.state.finished
            skipped = busy and schedule.overlap is Overlap.SKIP
            if not skipped:
                if busy and previous is not None and schedule.overlap is Overlap.REPLACE:
                    with contextlib.suppress(RunConflict, RunNotFound):
                        await self.cancel(previous.id, finished_ok=True)
                payload = scheduled_payload(schedule, due, upcoming(schedule, due))
                new = NewRun(job_name=schedule.job_name, env_id=schedule.env_id, input=payload, schedule_id=schedule.id, scheduled_for=due)
                try:
                    submitted = await self.submit(new)
                except (JobNotFound, InvalidInput, InputTooLarge) as exc:
                    log.warning("schedule %s could not fire for %s: %s", schedule.id, due, exc)
                else:
                    if submitted.created:
                        fired.append(submitted.run)
            # A skipped time is not the payload's lastTimestamp (Trigger.dev's: the last time it fired).
            await self.schedules.advance(schedule, None if skipped else due, next_due, now)
        return fired

    def _check_webhook(self, url: str) -> None:
        problem = url_problem(url) or (None if self.webhook_allow_private else literal_host_problem(url))
        if problem is not None:
            raise InvalidInput("webhook_url", problem)

    async def run(self, run_id: str, *, env_id: str | None = None) -> Run:
        """A run; with `env_id`, only that environment's (another's is not found, as if it did not exist)."""
        return _seen_from(await self.runs.get(run_id), env_id)

    async def run_and_schedule(self, run_id: str, *, env_id: str | None = None) -> tuple[Run, Schedule | None]:
        """A run and the schedule that fired it, if one did and still exists."""
        run = await self.run(run_id, env_id=env_id)
        if run.schedule_id is None:
            return run, None
        try:
            return run, await self.schedules.get(run.schedule_id)
        except ScheduleNotFound:
            return run, None

    async def change_metadata(self, run_id: str, operations: builtins.list[dict[str, Any]], *, env_id: str | None = None) -> Run:
        """Apply metadata operations to a run of this environment (runyard.domain.metadata)."""
        await self.run(run_id, env_id=env_id)
        return await self.runs.change_metadata(run_id, operations)

    async def add_tags(self, run_id: str, tags: builtins.list[str], *, env_id: str | None = None) -> int:
        """Add tags to a run of this environment; how many were new (TooManyTags past 10 in all)."""
        await self.run(run_id, env_id=env_id)
        return await self.runs.add_tags(run_id, tags)

    async def reschedule(self, run_id: str, delay_seconds: int, *, env_id: str | None = None) -> Run:
        """Start a delayed run `delay_seconds` from now instead (NotDelayed for a run in another state)."""
        await self.run(run_id, env_id=env_id)
        return await self.runs.reschedule(run_id, now_us() + delay_seconds * 1_000_000)

    async def reset_idempotency_key(self, env_id: str, key: str, job_name: str) -> None:
        """Free an idempotency key held by the job's runs in the environment (IdempotencyKeyNotFound when none holds it)."""
        if await self.runs.release_idempotency_key(env_id, key, job_name=job_name) == 0:
            raise IdempotencyKeyNotFound(key, job_name)

    async def fold_counts(self) -> None:
        """Fold the counts' deltas (runyard.store.counts): a reader of the counts then sums a row per
        (environment, job, state) rather than a row per change since the last fold."""
        await self.counts.fold()

    async def stats(self, credential: Credential) -> StateCounts:
        """Runs by state in what the credential sees (every environment for an admin), from the
        counts the store keeps: no run is counted on the way."""
        return await self.counts.counts(env_id=credential.scope)

    async def run_counts(self) -> list[tuple[str, str, str, int]]:
        """Runs by (environment, job, state) in every environment, from the counts (GET /metrics, for admins)."""
        return await self.counts.by_group()

    async def status(self, run_id: str, *, env_id: str | None = None) -> tuple[RunHead, Delivery | None]:
        """What a run's status shows (as `run` finds the run) and its webhook's delivery, if it has one."""
        head, delivery = await self.webhooks.head_with_delivery(run_id)
        return _seen_from(head, env_id), delivery

    async def result(self, run_id: str, *, env_id: str | None = None) -> Run:
        """A finished run (RunConflict while it has not finished)."""
        run = await self.run(run_id, env_id=env_id)
        if not run.state.finished:
            raise RunConflict(run, f"Job {run_id} has not finished yet ({run.state.value})")
        return run

    async def cancel(self, run_id: str, *, env_id: str | None = None, finished_ok: bool = False) -> Run:
        """Cancel a waiting run, or ask a running one to stop. A finished run is a RunConflict,
        or, with `finished_ok`, answered as it is."""
        if env_id is not None:
            await self.run(run_id, env_id=env_id)
        try:
            return await self.runs.cancel(run_id)
        except RunConflict as exc:
            if finished_ok:
                return exc.run
            raise

    async def delete(self, run_id: str, *, env_id: str | None = None) -> None:
        """Delete a run no worker holds (RunConflict while one does)."""
        if env_id is not None:
            await self.run(run_id, env_id=env_id)
        await self.runs.delete(run_id)

    async def replay(self, run_id: str, env_id: str | None, request: Callable[[Run], NewRun] | None = None) -> Submitted:
        """A new run made from an existing one of this environment (any, without `env_id`), in the
        original's environment; `request` says how from the original (by default: as it was, see _replay_of)."""
        original = await self.run(run_id, env_id=env_id)
        return await self.submit((request or _replay_of)(original))

    async def details(self, run_id: str, *, env_id: str | None = None) -> RunDetails:
        """A run with its webhook's delivery, its environment's name and its attempts: the run and its
        delivery in one statement, its attempts in another, the name from a third only the first time."""
        run, delivery = await self.webhooks.run_with_delivery(run_id)
        run = _seen_from(run, env_id)
        names = await self._environment_names_of({run.env_id} if run.env_id is not None else set())
        return RunDetails(run, delivery, names.get(run.env_id or "", ""), await self.attempts.of_run(run.id))

    async def list(
        self,
        flt: RunFilter,
        credential: Credential,
        *,
        page: int,
        page_size: int,
        environment: str | None = None,
        after: Cursor | None = None,
    ) -> RunListing:
        """A page of summaries, newest first, and the total, of the runs the credential may see: the
        numbered `page`, or, with `after`, the `page_size` runs that follow that position (a keyset read).

        `environment` (a name) narrows an admin's list to one environment; any other credential may
        only name its own.
        """
        flt = await self._scoped(flt, credential, environment, "list the runs of another environment")
        if after is not None:
            listed = await self.runs.list_after(flt, after=after, limit=page_size)
        else:
            listed = await self.runs.list_page(flt, offset=(page - 1) * page_size, limit=page_size)
        return RunListing(listed, await self._environment_names_of({s.env_id for s in listed.items if s.env_id is not None}))

    async def _scoped(self, flt: RunFilter, credential: Credential, environment: str | None, action: str) -> RunFilter:
        """The filter confined to what the credential sees: its environment, or every one for an admin,
        who may name one (an unknown one selects nothing). Naming another environment is AdminRequired."""
        if environment is None:
            return dataclasses.replace(flt, env_id=credential.scope)
        if not credential.admin and environment != credential.environment.name:
            raise AdminRequired(action)
        found = await self.keys.find_environment(environment)
        return dataclasses.replace(flt, env_id=found.id) if found is not None else dataclasses.replace(flt, nothing=True)

    async def _environment_names_of(self, env_ids: set[str]) -> dict[str, str]:
        """The names of these environments; those not yet known are read in one statement and kept."""
        missing = env_ids - self._environment_names.keys()
        if missing:
            found = await self.keys.environments_by_id(missing)
            self._environment_names.update({env_id: env.name for env_id, env in found.items()})
        return {env_id: self._environment_names[env_id] for env_id in env_ids if env_id in self._environment_names}

    async def overview(self, credential: Credential, *, hours: int, environment: str | None = None) -> Overview:
        """Counts of every run the credential sees (from the store's counts, as `stats`) and the runs
        created in the last `hours` whole hours (the current one included), by hour, job and state.

        Measured on a SQLite store of 1,000,000 runs seeded by bench/seed.py (30 days, 70% of them in
        `dev`), on the shared 2-core machine (load 2.6-3.7), medians of 7: a `dev` key's overview
        took 27 ms for 24 hours (22,555 runs in the window, 1,534 groups) and 245 ms for 7 days
        (162,532 runs); an admin's over every environment 46 ms and 412 ms. The statement reads the
        window's runs through (env_id, created_at) and each run's row for its job, state and
        duration, so it grows with the runs created in the window, not with the table.
        """
        flt = await self._scoped(RunFilter(), credential, environment, "see the runs of another environment")
        now = now_us()
        last_hour = now // HOUR_US
        first_hour = last_hour - hours + 1
        if flt.nothing:
            return Overview(now, first_hour, hours, [], StateCounts({}, 0), [])
        counts = await self.counts.counts(env_id=flt.env_id)
        activity = await self.runs.activity(flt, since=first_hour * HOUR_US, until=(last_hour + 1) * HOUR_US)
        if flt.env_id is None:
            names = [env.name for env in await self.keys.list_environments()]
        else:
            names = list((await self._environment_names_of({flt.env_id})).values())
        return Overview(now, first_hour, hours, names, counts, activity)

    async def window(self, flt: RunFilter, *, limit: int, after: Position | None = None, before: Position | None = None) -> Window:
        """A keyset page, newest first, after (older than) or before (newer than) a position."""
        return await self.runs.window(
            flt,
            limit=limit,
            after=await self._cursor(after, flt.env_id) if after is not None else None,
            before=await self._cursor(before, flt.env_id) if before is not None else None,
        )

    async def _cursor(self, position: Position, env_id: str | None) -> Cursor:
        if isinstance(position, Cursor):
            return position
        try:
            run = await self.run(position, env_id=env_id)
        except RunNotFound:
            # A run that is gone (or never was) still has a place: its id carries its creation time.
            return Cursor(run_id_created_at(position), position)
        return Cursor(run.created_at, run.id)

    async def watch(self, run_id: str, *, env_id: str | None = None) -> AsyncIterator[Run]:
        """Snapshots of a run, at least every watcher interval, until it has finished or is deleted.

        The first is read before this returns, so an unknown run is RunNotFound here, not mid-stream.
        """
        first = await self.run(run_id, env_id=env_id)
        return self.watcher.snapshots(first)

    # --- jobs -----------------------------------------------------------------------------

    async def put_job(self, job: JobDefinition, credential: Credential) -> tuple[StoredJob, bool]:
        """Create or update a job (admins only); (job, changed). An env value given as REDACTED keeps the current one."""
        _admin_only(credential, "define or change jobs")
        kept = [name for name, value in job.env.items() if value == REDACTED]
        if kept:
            try:
                current = (await self.jobs.get(job.name)).definition.env
            except JobNotFound:
                current = {}
            missing = [name for name in kept if name not in current]
            if missing:
                raise InvalidJob(f"job {job.name!r}: env {', '.join(missing)} given as {REDACTED} but the job has no current value to keep")
            job = dataclasses.replace(job, env={name: current[name] if value == REDACTED else value for name, value in job.env.items()})
        return await self.jobs.put(job)

    async def get_job(self, name: str) -> StoredJob:
        return await self.jobs.get(name)

    async def job_versions(self, name: str) -> builtins.list[JobVersion]:
        """Every version of a defined job, newest first (JobNotFound for a job that is not defined now)."""
        await self.jobs.get(name)
        return await self.jobs.history(name)

    # `builtins.list` below: in the class body, `list` is the method above.
    async def list_jobs(self) -> builtins.list[StoredJob]:
        return await self.jobs.list()

    async def delete_job(self, name: str, credential: Credential) -> None:
        _admin_only(credential, "delete jobs")
        await self.jobs.delete(name)

    # --- keys (admins only) ----------------------------------------------------------------

    async def create_key(self, credential: Credential, environment: str, *, admin: bool, expires_in_seconds: int | None) -> tuple[ApiKey, str]:
        """A new key and its secret (shown this once); its environment is created on first use."""
        _admin_only(credential, "create keys")
        return await self.keys.create_key(environment, admin=admin, expires_in_seconds=expires_in_seconds)

    async def list_keys(self, credential: Credential) -> builtins.list[ApiKey]:
        _admin_only(credential, "list keys")
        return await self.keys.list_keys()

    async def revoke_key(self, credential: Credential, key_id: str) -> ApiKey:
        """Revoke a key for every server process at once; the key afterwards."""
        _admin_only(credential, "revoke keys")
        return await self.keys.revoke(key_id)

    # --- a job's runs in an environment (what TrueFoundry's API is about) ------------------

    async def visible_job(self, reference: str, environment: Environment, version: int | None = None) -> StoredJob:
        """A job by id or name, if this environment may see it (JobNotFound, JobForbidden)."""
        try:
            job = await self.jobs.get_by_reference(reference)
        except JobNotFound:
            raise JobNotFound(reference, version) from None
        _visible_to(job, environment)
        return job

    async def job_runs(
        self, reference: str, environment: Environment, flt: RunFilter, *, offset: int, limit: int, sort: str | None, descending: bool
    ) -> JobRunsPage:
        """A page of a job's runs in the environment, each with its command, and the total."""
        job = await self.visible_job(reference, environment)
        flt = dataclasses.replace(flt, job_name=job.name, env_id=environment.id)
        runs, total = await self.runs.list_full_page(flt, offset=offset, limit=limit, sort=sort, descending=descending)
        return JobRunsPage(job, await self._with_commands(job, runs), total)

    async def job_run(self, reference: str, environment: Environment, name_or_id: str) -> JobRun:
        """A run of the job in the environment, by its name or its id."""
        job = await self.visible_job(reference, environment)
        return (await self._with_commands(job, [await self._job_run(job, environment, name_or_id)]))[0]

    async def trigger_job(self, reference: str, version: int | None, credential: Credential, request: Callable[[StoredJob], NewRun]) -> JobRun:
        """A new run of a job the caller's environment may see; `request` says what to run of it."""
        job = await self.visible_job(reference, credential.environment, version)
        try:
            submitted = await self._submit(request(job), job)
        except JobNotFound:
            raise JobNotFound(reference, version) from None
        return (await self._with_commands(job, [submitted.run]))[0]

    async def delete_job_run(self, reference: str, environment: Environment, name_or_id: str) -> Run:
        """Delete a run of the job (RunConflict while a worker holds it); the run as it was."""
        run = await self._job_run(await self.visible_job(reference, environment), environment, name_or_id)
        await self.runs.delete(run.id)
        return run

    async def terminate_job_run(self, reference: str, environment: Environment, name_or_id: str, version: int | None = None) -> Run:
        """Cancel a run of the job unless it has finished; the run afterwards."""
        run = await self._job_run(await self.visible_job(reference, environment, version), environment, name_or_id)
        return await self.cancel(run.id, finished_ok=True)

    async def _job_run(self, job: StoredJob, environment: Environment, name_or_id: str) -> Run:
        try:
            run = await self.runs.get_by_name(job.name, name_or_id)
        except RunNotFound:
            run = await self.runs.get(name_or_id)
        if run.job_name != job.name or run.env_id != environment.id:
            raise RunNotFound(name_or_id)
        return run

    async def _with_commands(self, job: StoredJob, runs: builtins.list[Run]) -> builtins.list[JobRun]:
        """Each run with the argv it executes (its override, or its job version's command); the
        versions the page needs are read in one statement."""
        needed = [run.job_version or 0 for run in runs if not run.command_override]
        definitions = await self.jobs.get_versions(job.name, needed) if needed else {}
        argv = {version: definition.argv() for version, definition in definitions.items()}
        return [JobRun(job, run, list(run.command_override) if run.command_override else argv.get(run.job_version or 0, [])) for run in runs]


_Seen = TypeVar("_Seen", Run, RunHead)


def _seen_from(run: _Seen, env_id: str | None) -> _Seen:
    """The run, if an environment's caller (or, without `env_id`, any caller) may see it; another
    environment's run is not found, as if it did not exist."""
    if env_id is not None and run.env_id != env_id:
        raise RunNotFound(run.id)
    return run


def _replay_of(run: Run) -> NewRun:
    """A new run like an earlier one: its job and version, input, tags, metadata and options."""
    return NewRun(
        job_name=run.job_name,
        input=run.input,
        session_id=run.session_id,
        tags=run.tags,
        max_attempts=run.max_attempts,
        job_version=run.job_version,
        env_id=run.env_id,
        is_test=run.is_test,
        command_override=run.command_override,
        timeout_seconds=run.timeout_seconds,
        metadata=run.metadata,
        priority=run.priority,
        queue_name=run.queue_name,
        concurrency_key=run.concurrency_key,
        machine=run.machine,
        region=run.region,
    )


def _visible_to(job: StoredJob, environment: Environment) -> None:
    """JobForbidden unless the job's `environments` (if it names any) include this one."""
    allowed = job.definition.environments
    if allowed is not None and environment.name not in allowed:
        raise JobForbidden(job.name, environment.name)


def _admin_only(credential: Credential, action: str) -> None:
    if not credential.admin:
        raise AdminRequired(action)
