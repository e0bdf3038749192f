"""How asyncio learns that a run's process has exited: a pidfd on the running loop, not a thread per process.

Python 3.11's default child watcher (ThreadedChildWatcher) starts a thread per subprocess that
blocks in waitpid, and the event loop waits for that thread to start: on this project's 2-core
machine a worker spent about 0.1 ms a run on SQLite and 0.35 ms on PostgreSQL there (cProfile
of 3,000 `true` runs, issue 17), a tenth of a run's cost. Python 3.12 and later watch each child
with a pidfd on the running loop themselves (and deprecate child watchers); this module gives
3.11 the same: `install()` sets a watcher that, like 3.12's, registers each child's pidfd with
whichever loop is running when the process starts, so it serves every loop and thread of the
process (a server's, a test's) without being attached to one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVarTuple

log = logging.getLogger("runyard.worker")

_installed = False
_Ts = TypeVarTuple("_Ts")


class RunningLoopPidfdWatcher(asyncio.AbstractChildWatcher):
    """Each child's pidfd is read by the loop that started it; its exit status is read once it is readable."""

    def add_child_handler(self, pid: int, callback: Callable[[int, int, *_Ts], object], *args: *_Ts) -> None:
        loop = asyncio.get_running_loop()
        pidfd = os.pidfd_open(pid)
        loop.add_reader(pidfd, self._reap, loop, pid, pidfd, callback, args)

    @staticmethod
    def _reap(loop: asyncio.AbstractEventLoop, pid: int, pidfd: int, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        loop.remove_reader(pidfd)
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:  # reaped by someone else: asyncio's own watchers answer 255 too
            log.warning("process %d: its exit status was already read; reporting 255", pid)
            code = 255
        else:
            code = os.waitstatus_to_exitcode(status)
        finally:
            os.close(pidfd)
        callback(pid, code, *args)

    def remove_child_handler(self, pid: int) -> bool:
        return True  # nothing kept per child: its pidfd is closed when it is reaped

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        pass  # each child goes to the loop that is running when it starts

    def is_active(self) -> bool:
        return True

    def close(self) -> None:
        pass

    def __enter__(self) -> RunningLoopPidfdWatcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


def install() -> None:
    """On Python 3.11 with pidfds (Linux 5.3+), watch children with RunningLoopPidfdWatcher; elsewhere leave asyncio's own."""
    global _installed
    if _installed or sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel without pidfds (or a sandbox that forbids them): keep the threaded watcher
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.set_child_watcher(RunningLoopPidfdWatcher())
    _installed = True
