"""The core's use cases: one call per request, no HTTP and no dialect in sight."""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from runyard.domain import (
    REDACTED,
    AdminRequired,
    ApiKey,
    CommandOverrideForbidden,
    Credential,
    Cursor,
    Environment,
    InputTooLarge,
    InvalidInput,
    InvalidJob,
    JobDefinition,
    JobForbidden,
    JobNotFound,
    NewRun,
    Page,
    QueueFull,
    Run,
    RunConflict,
    RunFilter,
    RunNotFound,
    StateCounts,
    StoredJob,
    Window,
)
from runyard.domain.schedules import NewSchedule, Overlap, Schedule, firing, scheduled_payload, upcoming
from runyard.domain.values import json_problem
from runyard.domain.webhooks import Delivery, literal_host_problem, url_problem
from runyard.ids import run_id_created_at
from runyard.settings import DEFAULT_MAX_INPUT_BYTES, DEFAULT_PROMPT_JOB
from runyard.store.counts import RunCounts
from runyard.store.db import Database
from runyard.store.jobs import JobStore
from runyard.store.keys import KeyStore
from runyard.store.runs import RunStore
from runyard.store.schedules import ScheduleStore
from runyard.store.webhooks import WebhookStore
from runyard.watcher import RunWatcher

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
        self.runs = RunStore(db)
        self.jobs = JobStore(db)
        self.keys = KeyStore(db)
        self.watcher = RunWatcher(self.runs)
        self.webhooks = WebhookStore(db)
        self.schedules = ScheduleStore(db)
        self.counts = RunCounts(db)
        self._default: Environment | None = None

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

    async def submit(self, new: NewRun) -> Submitted:
        """Store a run of a defined job (JobNotFound otherwise, and nothing is stored).

        A run submitted without an environment (no key) belongs to `default`; one without a job
        (a prompt) runs the prompt job.
        """
        job_name = new.job_name or self.prompt_job
        return await self._submit(dataclasses.replace(new, job_name=job_name), await self.jobs.get(job_name))

    async def _submit(self, new: NewRun, job: StoredJob) -> Submitted:
        """submit, for a job the caller has read already."""
        problem = json_problem(new.input)
        if problem is not None:
            raise InvalidInput("input", problem.replace("The body", "The run's input", 1))
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
        new = dataclasses.replace(new, job_version=new.job_version or job.version, max_attempts=new.max_attempts or definition.max_attempts)
        if self.max_queued is not None:
            if new.idempotency_key is not None:  # a repeat is answered with its run, full queue or not
                existing = await self.runs.find_by_idempotency_key(new.env_id, new.idempotency_key)
                if existing is not None:
                    return Submitted(existing, False)
            waiting = await self.counts.waiting()
            if waiting >= self.max_queued:
                raise QueueFull(waiting, self.max_queued)
        run, created = await self.runs.insert(new)
        return Submitted(run, created)

    # --- schedules ------------------------------------------------------------------------

    async def put_schedule(self, new: NewSchedule, now: int) -> tuple[Schedule, bool]:
        """Create a schedule of a defined job (or update the one with its deduplication key)."""
        await self.jobs.get(new.job_name)  # JobNotFound: nothing is stored
        return await self.schedules.put(new, now)

    async def fire_schedules(self, now: int) -> list[Run]:
        """Fire every schedule whose due time has come: one run per (schedule, due time), however
        many servers call this at once (a unique index decides), following each overlap policy."""
        fired: list[Run] = []
        for schedule in await self.schedules.due(now):
            due, next_due = firing(schedule, now)
            previous = await self.runs.latest_of_schedule(schedule.id) if schedule.overlap is not Overlap.ALLOW else None
            busy = previous is not None and not previous.state.finished
            if not (busy and schedule.overlap is Overlap.SKIP):
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
            await self.schedules.advance(schedule, due, next_due, now)
        return fired

    def _check_webhook(self, url: str) -> None:
        problem = url_problem(url) or (None if self.webhook_allow_private else literal_host_problem(url))
        if problem is not None:
            raise InvalidInput("webhook_url", problem)

    async def run(self, run_id: str, *, env_id: str | None = None) -> Run:
        """A run; with `env_id`, only that environment's (another's is not found, as if it did not exist)."""
        run = await self.runs.get(run_id)
        if env_id is not None and run.env_id != env_id:
            raise RunNotFound(run_id)
        return run

    async def stats(self, credential: Credential) -> StateCounts:
        """Runs by state in what the credential sees (every environment for an admin), from the
        counts the store keeps: no run is counted on the way."""
        return await self.counts.counts(env_id=credential.scope)

    async def status(self, run_id: str, *, env_id: str | None = None) -> tuple[Run, Delivery | None]:
        """A run (as `run`) and its webhook's delivery, if it has one."""
        run = await self.run(run_id, env_id=env_id)
        return run, await self.webhooks.for_run(run.id)

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

    async def replay(self, run_id: str, env_id: str, request: Callable[[Run], NewRun]) -> Submitted:
        """A new run made from an existing one of this environment; `request` says how from the original."""
        original = await self.run(run_id, env_id=env_id)
        return await self.submit(request(original))

    async def list(self, flt: RunFilter, credential: Credential, *, page: int, page_size: int, environment: str | None = None) -> Page:
        """A numbered page of summaries, newest first, and the total, of the runs the credential may see.

        `environment` (a name) narrows an admin's list to one environment; any other credential may
        only name its own.
        """
        if environment is None:
            flt = dataclasses.replace(flt, env_id=credential.scope)
        elif not credential.admin and environment != credential.environment.name:
            raise AdminRequired("list the runs of another environment")
        else:
            found = await self.keys.find_environment(environment)
            flt = dataclasses.replace(flt, env_id=found.id) if found is not None else dataclasses.replace(flt, nothing=True)
        return await self.runs.list_page(flt, offset=(page - 1) * page_size, limit=page_size)

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
        allowed = job.definition.environments
        if allowed is not None and environment.name not in allowed:
            raise JobForbidden(job.name, environment.name)
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
        """Each run with the argv it executes (its override, or its job version's command)."""
        argv: dict[int, builtins.list[str]] = {}
        shown = []
        for run in runs:
            if run.command_override:
                command = list(run.command_override)
            else:
                version = run.job_version or 0
                if version not in argv:
                    try:
                        argv[version] = (await self.jobs.get_version(run.job_name, version)).argv()
                    except JobNotFound:
                        argv[version] = []
                command = argv[version]
            shown.append(JobRun(job, run, command))
        return shown


def _admin_only(credential: Credential, action: str) -> None:
    if not credential.admin:
        raise AdminRequired(action)
