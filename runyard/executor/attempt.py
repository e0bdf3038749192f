"""One attempt of one run: a subprocess watched until it ends, is cancelled, times out or is handed back."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from runyard.domain import Run, RunState
from runyard.executor.output import Tail
from runyard.executor.protocol import ProgressLine, ResultLine, parse_line
from runyard.jobs import JobDefinition
from runyard.store.queue import Outcome, RunQueue
from runyard.timeutil import now_us

_PR_SET_PDEATHSIG = 1


def _child_setup() -> None:
    """In the child before exec: its own process group (so a cancel reaches its children too)
    and, on Linux, SIGKILL when the worker dies, so a killed worker leaves no orphan running."""
    os.setsid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Stop(enum.Enum):
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    HANDED_BACK = "handed_back"
    LEASE_LOST = "lease_lost"


@dataclass
class AttemptSettings:
    worker_id: str
    lease_seconds: float = 15.0
    check_interval: float = 0.25
    heartbeat_interval: float = 0.5


@dataclass
class Attempt:
    run: Run
    job: JobDefinition
    queue: RunQueue
    settings: AttemptSettings
    stdout: Tail = field(default_factory=Tail)
    stderr: Tail = field(default_factory=Tail)
    result: Any = None
    has_result: bool = False
    progress: ProgressLine | None = None
    progress_dirty: bool = False
    hand_back_requested: asyncio.Event = field(default_factory=asyncio.Event)

    async def execute(self) -> None:
        started = time.monotonic()
        try:
            process = await asyncio.create_subprocess_exec(
                *self._argv(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.job.cwd,
                env=self._environment(),
                preexec_fn=_child_setup,
            )
        except (OSError, ValueError) as exc:
            await self._finish(Outcome(RunState.SYSTEM_FAILURE, error=f"Could not start {self._argv()[0]!r}: {exc}"))
            return
        readers = [
            asyncio.create_task(self._feed_stdin(process)),
            asyncio.create_task(self._read(process.stdout, self.stdout, protocol=True)),
            asyncio.create_task(self._read(process.stderr, self.stderr, protocol=False)),
        ]
        stop = await self._watch(process, started)
        await asyncio.gather(*readers, return_exceptions=True)
        duration_ms = int((time.monotonic() - started) * 1000)
        if stop is Stop.LEASE_LOST:
            return  # another worker or the housekeeping owns the run now; write nothing
        if stop is Stop.HANDED_BACK:
            await self.queue.hand_back(self.run.id, self.settings.worker_id, now_us())
            return
        await self._finish(self._outcome(stop, process.returncode, duration_ms))

    def _argv(self) -> list[str]:
        """The job's command, or the one this run was submitted with."""
        return list(self.run.command_override) if self.run.command_override else self.job.argv()

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.job.env,
            "RUNYARD_RUN_ID": self.run.id,
            "RUNYARD_ATTEMPT": str(self.run.attempt),
            "RUNYARD_JOB": self.run.job_name,
        }

    async def _feed_stdin(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(json.dumps(self.run.input).encode())
            await process.stdin.drain()
        process.stdin.close()

    async def _read(self, stream: asyncio.StreamReader | None, tail: Tail, *, protocol: bool) -> None:
        assert stream is not None
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

    async def _watch(self, process: asyncio.subprocess.Process, started: float) -> Stop | None:
        """Wait for the process, renewing the lease; stop it on cancel, timeout or hand-back."""
        deadline = started + self.job.timeout_seconds if self.job.timeout_seconds else None
        next_beat = 0.0
        while True:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(process.wait()), self.settings.check_interval)
            if process.returncode is not None:
                await self._beat()  # the last progress the job printed is recorded
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
                if state is None:
                    await self._terminate(process)
                    return Stop.LEASE_LOST
                if state is RunState.CANCELLING:
                    await self._terminate(process)
                    return Stop.CANCELLED

    async def _beat(self) -> RunState | None:
        fields: dict[str, Any] = {"stdout_tail": self.stdout.text(), "stderr_tail": self.stderr.text()}
        if self.progress is not None:
            fields["progress_percentage"] = self.progress.percentage
            fields["progress_step"] = self.progress.step
        self.progress_dirty = False
        return await self.queue.heartbeat(self.run.id, self.settings.worker_id, now_us(), self.settings.lease_seconds, **fields)

    async def _terminate(self, process: asyncio.subprocess.Process) -> None:
        """SIGTERM to the process group, then SIGKILL after the job's grace period."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self.job.kill_grace_seconds)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        # Whatever the group left behind goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def _outcome(self, stop: Stop | None, returncode: int | None, duration_ms: int) -> Outcome:
        common = {
            "exit_code": returncode,
            "duration_ms": duration_ms,
            "stdout_tail": self.stdout.text(),
            "stderr_tail": self.stderr.text(),
        }
        if stop is Stop.CANCELLED:
            return Outcome(RunState.CANCELLED, error="Cancelled by user", **common)
        if stop is Stop.TIMED_OUT:
            return self._failed(RunState.TIMED_OUT, f"Timed out after {self.job.timeout_seconds:g} s", common)
        if returncode == 0:
            return Outcome(RunState.SUCCEEDED, result=self.result if self.has_result else None, **common)
        if returncode is not None and returncode < 0:
            reason = f"Killed by signal {signal.Signals(-returncode).name}"
        else:
            reason = f"Exit code {returncode}"
        detail = self.stderr.last_line()
        return self._failed(RunState.FAILED, f"{reason}: {detail}" if detail else reason, common)

    def _failed(self, final: RunState, error: str, common: dict[str, Any]) -> Outcome:
        attempt = self.run.attempt
        if attempt < self.run.max_attempts:
            retry_at = now_us() + int(self.job.retry.delay(attempt) * 1_000_000)
            return Outcome(RunState.RETRYING, error=f"Attempt {attempt} failed: {error}", retry_at=retry_at, **common)
        return Outcome(final, error=error, **common)

    async def _finish(self, outcome: Outcome) -> None:
        await self.queue.finish(self.run.id, self.settings.worker_id, now_us(), outcome)
