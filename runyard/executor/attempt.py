"""One attempt of one run: a subprocess watched until it ends, is cancelled, times out or is handed back."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from runyard import metrics
from runyard.domain import JobDefinition, Run, RunState, RunyardError
from runyard.executor import children
from runyard.executor.output import Tail
from runyard.executor.protocol import MetadataLine, ProgressLine, ResultLine, parse_line
from runyard.executor.watchdog import Watchdog
from runyard.store.queue import Outcome, RunQueue
from runyard.timeutil import now_us

# What a job's process gets of the worker's environment without asking (the spec's JobSpec.env says so too).
BASE_VARIABLES = ("PATH", "HOME", "LANG", "TZ")
BASE_DEFAULTS = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
log = logging.getLogger("runyard.worker")


class Stop(enum.Enum):
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    HANDED_BACK = "handed_back"
    LEASE_LOST = "lease_lost"


class _Unrenewed(enum.Enum):
    """A heartbeat that could not reach the store (it raised or did not answer in time)."""

    UNRENEWED = "unrenewed"


UNRENEWED = _Unrenewed.UNRENEWED


class _Common(TypedDict):
    """What every outcome of an attempt records, however it ended."""

    exit_code: int | None
    duration_ms: int
    stdout_tail: str
    stderr_tail: str


@dataclass
class AttemptSettings:
    worker_id: str
    lease_seconds: float = 15.0
    check_interval: float = 0.25
    heartbeat_interval: float = 0.5


@dataclass(frozen=True)
class Handover:
    """What a worker lets an attempt that ends do: take the next run for its slot in the same write as
    its outcome (RunQueue.finish_and_claim), saving the worker a claim of its own a run."""

    wanted: Callable[[], bool]  # whether the worker takes more runs (not once it is stopping)
    start: Callable[[list[Run], float], None]  # the runs taken, and the moment before the claim


@dataclass
class Attempt:
    run: Run
    job: JobDefinition
    queue: RunQueue
    settings: AttemptSettings
    handover: Handover | None = None
    stdout: Tail = field(default_factory=Tail)
    stderr: Tail = field(default_factory=Tail)
    result: Any = None
    has_result: bool = False
    progress: ProgressLine | None = None
    progress_dirty: bool = False
    metadata_operations: list[dict[str, Any]] = field(default_factory=list)  # printed since the last heartbeat
    hand_back_requested: asyncio.Event = field(default_factory=asyncio.Event)
    # When the lease was last taken or renewed (monotonic): the worker passes the moment
    # before its claim, so the attempt never believes its lease lasts longer than it does.
    lease_renewed_at: float = field(default_factory=time.monotonic)

    @property
    def _lease_ends(self) -> float:
        return self.lease_renewed_at + self.settings.lease_seconds

    @property
    def _timeout(self) -> float | None:
        """Seconds the attempt may run: the run's own timeout, else its job's (None: no limit)."""
        return float(self.run.timeout_seconds) if self.run.timeout_seconds else self.job.timeout_seconds

    @property
    def _stop_grace(self) -> float:
        """The grace a process gets when supervision gives up: small enough to end within the lease."""
        return min(self.job.kill_grace_seconds, self.settings.lease_seconds / 4)

    @property
    def _give_up_at(self) -> float:
        """When unrenewed heartbeats stop the process: early enough that it is dead before the
        lease runs out and housekeeping may hand the run to another worker."""
        return self._lease_ends - self._stop_grace - self.settings.lease_seconds / 4

    async def execute(self) -> None:
        started = time.monotonic()
        try:
            process = await children.start(self._argv(), cwd=self.job.cwd, env=self._environment(), input=json.dumps(self.run.input).encode())
        except (OSError, ValueError) as exc:
            await self._finish(Outcome(RunState.SYSTEM_FAILURE, error=f"Could not start {self._argv()[0]!r}: {exc}"))
            return
        watchdog: Watchdog | None = None
        readers: list[asyncio.Task[None]] = []
        try:
            # Inside the try: an attempt cancelled while its watchdog starts stops its process too.
            watchdog = await Watchdog.start(process.pid)
            readers = [
                asyncio.create_task(self._read(process.stdout, self.stdout, protocol=True)),
                asyncio.create_task(self._read(process.stderr, self.stderr, protocol=False)),
            ]
            stop = await self._watch(process, started)
            await watchdog.release()  # what the command left running in its group ends with it
            await asyncio.gather(*readers, return_exceptions=True)
            if stop is None and (self.progress_dirty or self.metadata_operations):
                # The progress and metadata the job printed last, read to its end, are recorded
                # (best effort: the outcome follows). A job that printed none costs no write here.
                await self._beat()
        except BaseException:
            # Whatever broke supervision (a bug, a cancelled task), the process must not go on
            # unwatched: its run would be handed to another worker while it still runs.
            await asyncio.shield(self._stop_unsupervised(process, readers))
            raise
        finally:
            process.close()  # its pipes, where supervision stopped before their ends
            if watchdog is not None:
                await asyncio.shield(watchdog.release())
        duration_ms = int((time.monotonic() - started) * 1000)
        if stop is Stop.LEASE_LOST:
            return  # another worker or the housekeeping owns the run now (or will); write nothing
        if stop is Stop.HANDED_BACK:
            await self._write("hand back", lambda: self.queue.hand_back(self.run.id, self.settings.worker_id, now_us()))
            return
        outcome = self._outcome(stop, process.returncode, duration_ms)
        metrics.RUN_DURATION.labels(self.run.job_name, outcome.state.value).observe(duration_ms / 1000)
        await self._finish(outcome)

    async def _stop_unsupervised(self, process: children.Child, readers: list[asyncio.Task[None]]) -> None:
        if process.returncode is None:
            log.error("run %s: supervision failed; stopping its process group", self.run.id)
            await self._terminate(process, self._stop_grace)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    def _argv(self) -> list[str]:
        """The job's command, or the one this run was submitted with."""
        return list(self.run.command_override) if self.run.command_override else self.job.argv()

    def _environment(self) -> dict[str, str]:
        """A clean environment: never the worker's own variables (its database URL, cloud secrets, ...),
        only a minimal base, what the job takes by name (`env_from`), its own `env`, and the run's."""
        worker = os.environ
        base = {name: worker[name] for name in BASE_VARIABLES if name in worker}
        for name, default in BASE_DEFAULTS.items():
            base.setdefault(name, default)
        taken = {name: worker[name] for name in self.job.env_from if name in worker}
        return {
            **base,
            **taken,
            **self.job.env,
            "RUNYARD_RUN_ID": self.run.id,
            "RUNYARD_ATTEMPT": str(self.run.attempt),
            "RUNYARD_JOB": self.run.job_name,
        }

    async def _read(self, stream: asyncio.StreamReader, tail: Tail, *, protocol: bool) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the stream's limit: take what there is
                line = await stream.read(64 * 1024)
            if not line:
                return
            tail.add(line)
            if protocol:
                self._interpret(line.decode("utf-8", errors="replace"))

    def _interpret(self, line: str) -> None:
        message = parse_line(line)
        if isinstance(message, ProgressLine):
            self.progress = message
            self.progress_dirty = True
        elif isinstance(message, ResultLine):
            self.result = message.value
            self.has_result = True
        elif isinstance(message, MetadataLine):
            self.metadata_operations.extend(message.operations)
            self.progress_dirty = True  # written with the next heartbeat, at once

    async def _watch(self, process: children.Child, started: float) -> Stop | None:
        """Wait for the process, renewing the lease; stop it on cancel, timeout or hand-back."""
        deadline = started + self._timeout if self._timeout else None
        exited = asyncio.ensure_future(process.wait())  # one wait for the whole watch, not one a check
        try:
            return await self._watch_until(process, exited, deadline)
        finally:
            exited.cancel()

    async def _watch_until(self, process: children.Child, exited: asyncio.Future[int], deadline: float | None) -> Stop | None:
        next_beat = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.check_interval):
                    await asyncio.shield(exited)
            if process.returncode is not None:
                return None
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                await self._terminate(process)
                return Stop.TIMED_OUT
            if self.hand_back_requested.is_set():
                await self._terminate(process)
                return Stop.HANDED_BACK
            if now >= next_beat or self.progress_dirty:
                next_beat = now + self.settings.heartbeat_interval
                state = await self._beat()
                if state is UNRENEWED:
                    if time.monotonic() < self._give_up_at:
                        next_beat = 0.0  # try again at the next check, while the lease still holds
                        continue
                    log.error("run %s: the store did not renew the lease in time; stopping the process", self.run.id)
                    await self._terminate(process, self._stop_grace)
                    return Stop.LEASE_LOST
                if state is None:
                    await self._terminate(process)
                    return Stop.LEASE_LOST
                if state is RunState.CANCELLING:
                    await self._terminate(process)
                    return Stop.CANCELLED

    async def _beat(self) -> RunState | _Unrenewed | None:
        """Renew the lease: the run's state, None when the lease is lost, UNRENEWED when the store failed."""
        fields: dict[str, Any] = {"stdout_tail": self.stdout.text(), "stderr_tail": self.stderr.text()}
        if self.progress is not None:
            fields["progress_percentage"] = self.progress.percentage
            fields["progress_step"] = self.progress.step
        self.progress_dirty = False
        if self.metadata_operations:
            await self._write_metadata()
        asked_at = time.monotonic()
        # A stalled store must not hold the watch past the point where the process has to stop.
        patience = max(self._give_up_at - asked_at, self.settings.check_interval)
        try:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for returns the heartbeat's answer and
            # drops a cancel of this attempt that arrives with it, and the attempt went on watching.
            async with asyncio.timeout(patience):
                state = await self.queue.heartbeat(self.run.id, self.settings.worker_id, now_us(), self.settings.lease_seconds, **fields)
        except Exception as exc:  # a database hiccup, a lost connection, a timeout
            log.warning("run %s: heartbeat failed: %s", self.run.id, exc)
            self.progress_dirty = self.progress is not None
            return UNRENEWED
        if state is not None:
            self.lease_renewed_at = asked_at
        return state

    async def _write_metadata(self) -> None:
        """Apply the metadata operations the job printed; ones the store refuses (too large, invalid)
        are logged and dropped: the run goes on."""
        operations, self.metadata_operations = self.metadata_operations, []
        try:
            await self.queue.change_metadata(self.run.id, self.settings.worker_id, operations)
        except RunyardError as exc:
            log.warning("run %s: metadata operations refused: %s", self.run.id, exc)
        except Exception as exc:  # a store hiccup: keep them for the next heartbeat
            log.warning("run %s: metadata not written yet: %s", self.run.id, exc)
            self.metadata_operations = operations + self.metadata_operations

    async def _terminate(self, process: children.Child, grace: float | None = None) -> None:
        """SIGTERM to the process group, then SIGKILL after the grace period (default: the job's)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            async with asyncio.timeout(self.job.kill_grace_seconds if grace is None else grace):  # not wait_for: as in _beat
                await process.wait()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        # Whatever the group left behind goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def _outcome(self, stop: Stop | None, returncode: int | None, duration_ms: int) -> Outcome:
        common: _Common = {
            "exit_code": returncode,
            "duration_ms": duration_ms,
            "stdout_tail": self.stdout.text(),
            "stderr_tail": self.stderr.text(),
        }
        if stop is Stop.CANCELLED:
            return Outcome(RunState.CANCELLED, error="Cancelled by user", **common)
        if stop is Stop.TIMED_OUT:
            return self._failed(RunState.TIMED_OUT, f"Timed out after {self._timeout:g} s", common)
        if returncode == 0:
            return Outcome(RunState.SUCCEEDED, result=self.result if self.has_result else None, **common)
        if returncode is not None and returncode < 0:
            reason = f"Killed by signal {signal.Signals(-returncode).name}"
        else:
            reason = f"Exit code {returncode}"
        detail = self.stderr.last_line()
        return self._failed(RunState.FAILED, f"{reason}: {detail}" if detail else reason, common)

    def _failed(self, final: RunState, error: str, common: _Common) -> Outcome:
        attempt = self.run.attempt
        if attempt < self.run.max_attempts:
            retry_at = now_us() + int(self.job.retry.delay(attempt) * 1_000_000)
            return Outcome(RunState.RETRYING, error=f"Attempt {attempt} failed: {error}", retry_at=retry_at, **common)
        return Outcome(final, error=error, **common)

    async def _finish(self, outcome: Outcome) -> None:
        handover = self.handover
        if handover is None or not handover.wanted():
            await self._write("outcome", lambda: self.queue.finish(self.run.id, self.settings.worker_id, now_us(), outcome))
            return
        claimed_at = time.monotonic()  # the next run's lease counts from no later than this
        taken: list[Run] = []
        first = True

        async def write() -> bool:
            nonlocal first
            if not first:  # a retry only records the outcome: the worker's own claims take the slot
                return await self.queue.finish(self.run.id, self.settings.worker_id, now_us(), outcome)
            first = False
            done, runs = await self.queue.finish_and_claim(self.run.id, self.settings.worker_id, now_us(), outcome, self.settings.lease_seconds)
            taken.extend(runs)
            return done

        await self._write("outcome", write)
        handover.start(taken, claimed_at)

    async def _write(self, what: str, write: Callable[[], Awaitable[bool]]) -> None:
        """A final write, retried while the lease holds. Past it the run is housekeeping's
        (re-queued or crashed); the process has ended by then, so nothing runs twice."""
        pause = 0.05
        while True:
            try:
                # asyncio.timeout, not wait_for: the write runs in this task, not in one more a run.
                async with asyncio.timeout(max(self._lease_ends - time.monotonic(), self.settings.check_interval)):
                    await write()
                return
            except Exception as exc:  # a database hiccup, a lost connection, a timeout
                if time.monotonic() + pause >= self._lease_ends:
                    log.error("run %s: could not record the %s within the lease, giving up: %s", self.run.id, what, exc)
                    return
                log.warning("run %s: recording the %s failed, retrying: %s", self.run.id, what, exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
