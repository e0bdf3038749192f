"""A watchdog per worker process: when the worker goes, however it goes, its attempts' process groups go too.

Every attempt runs in a process group of its own (setsid), so a cancel or a timeout reaches the
command's children as well (`killpg`). A worker killed with SIGKILL cannot signal anyone, though:
without a watchdog a job such as `sh -c "cd /tmp && python3 work.py"` would go on running and, with
attempts left, its work would be done a second time by the next attempt. (Linux's parent-death
signal would reach only the worker's direct child, and runyard does not rely on it.)

The watchdog is one POSIX shell per worker process (about a millisecond to start, once; well under a
megabyte), outside every group, reading its standard input from a pipe whose only writer is the
worker: a line `+GROUP` when an attempt's command starts, `-GROUP` when it has ended. When the pipe
closes, it SIGKILLs every group it still watches and exits. The kernel closes the pipe when the
worker dies, by any signal. When an attempt's command has ended, the worker SIGKILLs what the
command left running in its group itself (the stdout it holds would otherwise keep the attempt
open), then tells the watchdog to forget the group. The command itself runs as before, with its
signals and exit status untouched. A process that leaves the group on purpose (its own setsid) is
out of reach, as it would be of any supervisor short of cgroups.

One shell for the whole worker, not one per attempt: starting a process per run was as costly as
the run's own command (issue 17, item 3).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess

log = logging.getLogger("runyard.worker")

SHELL = "/bin/sh"
# Groups are kept as " 12 34 ": a group leaves by cutting the text around it (builtins only, no process per line).
_SCRIPT = """\
groups=' '
while read -r line; do
  case $line in
    +*) group=${line#+}
        case $groups in *" $group "*) ;; *) groups="$groups$group " ;; esac ;;
    -*) group=${line#-}
        case $groups in *" $group "*) groups="${groups%% $group *} ${groups#* $group }" ;; esac ;;
  esac
done
for group in $groups; do kill -s KILL -- "-$group" 2>/dev/null; done
exit 0
"""


class _Shell:
    """The worker process's watchdog shell, started on first use and again if it went."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._pid = 0  # the worker process that started it (a forked child starts its own)
        self.groups: set[int] = set()

    def tell(self, line: str) -> bool:
        """Send a line; False when no watchdog could take it (logged)."""
        for _ in range(2):  # a watchdog that went (killed by someone) is replaced once, knowing every group
            process = self._running()
            if process is None:
                return False
            assert process.stdin is not None
            try:
                os.write(process.stdin.fileno(), line.encode())
                return True
            except BlockingIOError:
                log.warning("the watchdog is not reading its pipe: a kill -9 of this worker might leave processes running")
                return False
            except OSError:
                self._process = None
        return False

    def _running(self) -> subprocess.Popen[bytes] | None:
        if self._process is not None and self._pid == os.getpid() and self._process.poll() is None:
            return self._process
        try:
            process = subprocess.Popen(
                [SHELL, "-c", _SCRIPT, "runyard-watchdog"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # outside the groups it watches
            )
        except OSError as exc:
            log.warning("no watchdog (%s): a kill -9 of this worker would leave its processes running", exc)
            return None
        assert process.stdin is not None
        # Never block the event loop on it: a watchdog that stopped reading is reported instead.
        os.set_blocking(process.stdin.fileno(), False)
        self._process, self._pid = process, os.getpid()
        if self.groups:
            os.write(process.stdin.fileno(), "".join(f"+{group}\n" for group in self.groups).encode())
        return process


_shell = _Shell()


class Watchdog:
    """One attempt's process group, watched by the worker's watchdog shell until released."""

    def __init__(self, group: int | None) -> None:
        self._group = group

    @classmethod
    async def start(cls, group: int) -> Watchdog:
        """Watch process group `group`; a watchdog that could not start is logged and watches nothing."""
        _shell.groups.add(group)
        if not _shell.tell(f"+{group}\n"):
            _shell.groups.discard(group)
            return cls(None)
        return cls(group)

    async def release(self) -> None:
        """Kill what is left of the group (nothing, when the command took its children with it) and stop watching."""
        if self._group is None:
            return
        group, self._group = self._group, None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        _shell.groups.discard(group)
        _shell.tell(f"-{group}\n")
