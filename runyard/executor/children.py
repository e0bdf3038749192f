"""A run's process, started and waited for the same way on any event loop.

`runyard serve` runs on uvloop (uvicorn's default when it is installed), whose `subprocess_exec`
starts a process with fork(): in a process of 150 MB that took 10.8 ms a run, 4.8 ms of it CPU with
the event loop blocked, against 0.8 ms for Python's subprocess module, which uses vfork. A server's
embedded worker drained 110 runs of `true` a second, a standalone worker (asyncio's loop) 550. So a
run's process is started by subprocess.Popen on every loop; its pipes are connected to the running
loop (stdout and stderr as streams, the input written to stdin by the loop as the process reads it),
and its exit is read from a pidfd on that loop: no thread per process, as Python 3.11's default child
watcher would start. Where there are no pidfds (before Linux 5.3, other systems) a thread waits for
each process instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

# As asyncio.create_subprocess_exec's streams: a longer line is read in parts (Attempt._read).
STREAM_LIMIT = 2**16


def _has_pidfd() -> bool:
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel without pidfds, or a sandbox that forbids them
        return False
    return True


HAS_PIDFD = _has_pidfd()


class Child:
    """A started process: its pid, its output as streams, its exit code once it has ended."""

    def __init__(self, popen: subprocess.Popen[bytes], stdout: asyncio.StreamReader, stderr: asyncio.StreamReader, exited: asyncio.Future[int]) -> None:
        self._popen = popen
        self.stdout = stdout
        self.stderr = stderr
        self._exited = exited

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def returncode(self) -> int | None:
        """The exit code (a signal's negative number), or None while it runs."""
        return self._exited.result() if self._exited.done() else None

    async def wait(self) -> int:
        """Wait for it to end; its exit code. Cancelling a wait leaves the process to be reaped all the same."""
        return await asyncio.shield(self._exited)


async def start(argv: Sequence[str], *, cwd: str | None, env: Mapping[str, str], input: bytes) -> Child:
    """Start `argv` in a session (and process group) of its own, give it `input` on stdin, and watch it.

    Raises OSError (or ValueError) as subprocess.Popen does when it cannot start."""
    loop = asyncio.get_running_loop()
    popen = subprocess.Popen(
        argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        bufsize=0,
        # Its own process group (setsid), so a cancel or a timeout reaches the command's children too;
        # when the worker dies, its watchdog kills the group (runyard.executor.watchdog).
        # No preexec_fn: with one, Python forks the whole worker and runs Python in the child before
        # exec (about 5 ms a run, with the event loop blocked); without, it uses vfork.
        start_new_session=True,
    )
    try:
        exited = _exit_of(loop, popen)
        stdout = await _reader(loop, popen.stdout)
        stderr = await _reader(loop, popen.stderr)
        assert popen.stdin is not None
        # The loop writes the input as the process reads it and then closes stdin; a process that
        # ends without reading it all just breaks the pipe (nothing to report).
        stdin, _ = await loop.connect_write_pipe(asyncio.Protocol, popen.stdin)
        stdin.write(input)
        stdin.close()
    except BaseException:
        # Not watched yet: it must not go on running unsupervised, nor be left unreaped.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        for pipe in (popen.stdin, popen.stdout, popen.stderr):
            if pipe is not None:
                pipe.close()
        popen.wait()
        raise
    return Child(popen, stdout, stderr, exited)


async def _reader(loop: asyncio.AbstractEventLoop, pipe: object) -> asyncio.StreamReader:
    stream = asyncio.StreamReader(limit=STREAM_LIMIT, loop=loop)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream, loop=loop), pipe)
    return stream


def _exit_of(loop: asyncio.AbstractEventLoop, popen: subprocess.Popen[bytes]) -> asyncio.Future[int]:
    """The process's exit code, once it has ended: read when its pidfd becomes readable on `loop`
    (or by a thread where there are no pidfds). Popen reaps it, so it knows the process is gone and
    never waits on a pid the system may have given to another process since."""
    if not HAS_PIDFD:
        return asyncio.ensure_future(asyncio.to_thread(popen.wait))
    exited: asyncio.Future[int] = loop.create_future()
    pidfd = os.pidfd_open(popen.pid)

    def reap() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        code = popen.wait()  # it has ended: this reaps it at once
        if not exited.done():
            exited.set_result(code)

    loop.add_reader(pidfd, reap)
    return exited
