"""A run's process, started and waited for the same way on any event loop.

`runyard serve` runs on uvloop (uvicorn's default when it is installed), whose `subprocess_exec`
starts a process with fork(): in a process of 150 MB that took 10.8 ms a run, 4.8 ms of it CPU with
the event loop blocked, against 0.8 ms for Python's subprocess module, which uses vfork. A server's
embedded worker drained 110 runs of `true` a second, a standalone worker (asyncio's loop) 550. So a
run's process is started by subprocess.Popen on every loop, and its exit is read from a pidfd on the
running loop: no thread per process, as Python 3.11's default child watcher would start. Where there
are no pidfds (before Linux 5.3, other systems) a thread waits for each process instead.

Its pipes are made and owned here, and each is closed exactly once, by this module: the loop is only
told when one is readable or writable (add_reader, add_writer). Handed to the loop as file objects
(connect_read_pipe), on uvloop each was closed twice: libuv closed the descriptor, then uvloop closed
the file object, expecting EBADF. A descriptor another thread opened in between (a file the server
streams to a client, read by a worker thread) was closed under it: 80 of 161,453 files a thread
opened while 3,000 processes ran were closed by someone else, none on asyncio's loop (issue 17); the
dashboard's browser test saw a static file cut short (ERR_CONTENT_LENGTH_MISMATCH).
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
_CHUNK = 2**16  # read from a pipe at a time (what a pipe holds by default)


def _has_pidfd() -> bool:
    if not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel without pidfds, or a sandbox that forbids them
        return False
    return True


HAS_PIDFD = _has_pidfd()


class _Output(asyncio.ReadTransport):
    """The read end of a process's stdout or stderr, fed to a StreamReader as the loop finds it
    readable, and closed at its end. The StreamReader pauses it while it holds more than twice its
    limit (pause_reading, resume_reading: as it would a transport), so a process that prints faster
    than its lines are read waits on its pipe instead of filling the worker's memory."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        super().__init__()
        self._loop = loop
        self._fd = fd
        self._paused = False
        self.stream = asyncio.StreamReader(limit=STREAM_LIMIT, loop=loop)
        self.stream.set_transport(self)
        os.set_blocking(fd, False)
        loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, _CHUNK)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # no such error is expected from a pipe's read end; taken as its end
            data = b""
        if data:
            self.stream.feed_data(data)
        else:
            self.close()

    def pause_reading(self) -> None:
        if self._fd >= 0 and not self._paused:
            self._paused = True
            self._loop.remove_reader(self._fd)

    def resume_reading(self) -> None:
        if self._fd >= 0 and self._paused:
            self._paused = False
            self._loop.add_reader(self._fd, self._readable)

    def is_reading(self) -> bool:
        return self._fd >= 0 and not self._paused

    def is_closing(self) -> bool:
        return self._fd < 0

    def close(self) -> None:
        """Stop reading and close the pipe (once); the stream ends where it is."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        if not self._paused:
            self._loop.remove_reader(fd)
        os.close(fd)
        self.stream.feed_eof()


class _Input:
    """The write end of a process's stdin: the input is written as the process reads it, then the
    pipe is closed (once). A process that ends or closes its stdin without reading it all just
    breaks the pipe: nothing to report."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int, data: bytes) -> None:
        self._loop = loop
        self._fd = fd
        self._left = memoryview(data)
        self._waiting = False
        os.set_blocking(fd, False)
        self._writable()  # most inputs fit in the pipe at once: no loop callback at all

    def _writable(self) -> None:
        try:
            written = os.write(self._fd, self._left) if self._left else 0
        except (BlockingIOError, InterruptedError):
            written = 0
        except OSError:  # BrokenPipeError: the process does not read (any more)
            self.close()
            return
        self._left = self._left[written:]
        if not self._left:
            self.close()
        elif not self._waiting:
            self._waiting = True
            self._loop.add_writer(self._fd, self._writable)

    def close(self) -> None:
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        if self._waiting:
            self._loop.remove_writer(fd)
        os.close(fd)


class Child:
    """A started process: its pid, its output as streams, its exit code once it has ended."""

    def __init__(self, popen: subprocess.Popen[bytes], stdin: _Input, stdout: _Output, stderr: _Output, exited: asyncio.Future[int]) -> None:
        self._popen = popen
        self._pipes = (stdin, stdout, stderr)
        self.stdout = stdout.stream
        self.stderr = stderr.stream
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

    def close(self) -> None:
        """Close what is left of its pipes (each closes itself at its end): for a process whose output
        is not read to its end. Its streams end where they are."""
        for pipe in self._pipes:
            pipe.close()


async def start(argv: Sequence[str], *, cwd: str | None, env: Mapping[str, str], input: bytes) -> Child:
    """Start `argv` in a session (and process group) of its own, give it `input` on stdin, and watch it.

    Raises OSError (or ValueError) as subprocess.Popen does when it cannot start."""
    loop = asyncio.get_running_loop()
    # os.pipe's descriptors are not inherited (O_CLOEXEC): the process gets its ends as 0, 1 and 2
    # only, and no other process started meanwhile gets any.
    stdin_read, stdin_write = os.pipe()
    stdout_read, stdout_write = os.pipe()
    stderr_read, stderr_write = os.pipe()
    try:
        popen = subprocess.Popen(
            argv,
            stdin=stdin_read,
            stdout=stdout_write,
            stderr=stderr_write,
            cwd=cwd,
            env=env,
            # Its own process group (setsid), so a cancel or a timeout reaches the command's children too;
            # when the worker dies, its watchdog kills the group (runyard.executor.watchdog).
            # No preexec_fn: with one, Python forks the whole worker and runs Python in the child before
            # exec (about 5 ms a run, with the event loop blocked); without, it uses vfork.
            start_new_session=True,
        )
    except BaseException:
        for fd in (stdin_write, stdout_read, stderr_read):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_read, stdout_write, stderr_write):  # the process has its own copies
            os.close(fd)
    stdin: _Input | None = None
    outputs: list[_Output] = []
    try:
        exited = _exit_of(loop, popen)
        # A constructor that raises leaves its descriptor open; one that returns owns it.
        stdin = _Input(loop, stdin_write, input)
        for fd in (stdout_read, stderr_read):
            outputs.append(_Output(loop, fd))
    except BaseException:
        # Not watched yet: it must not go on running unsupervised, nor be left unreaped.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGKILL)
        if stdin is None:
            os.close(stdin_write)
        else:
            stdin.close()
        for output in outputs:
            output.close()
        for fd in (stdout_read, stderr_read)[len(outputs) :]:
            os.close(fd)
        popen.wait()
        raise
    child = Child(popen, stdin, outputs[0], outputs[1], exited)
    return child


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
