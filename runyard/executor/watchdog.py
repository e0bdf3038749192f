"""A watchdog per attempt: when its worker goes, however it goes, the attempt's whole process group goes too.

Every attempt runs in a process group of its own (setsid), so a cancel or a timeout reaches the
command's children as well (`killpg`). A worker killed with SIGKILL cannot signal anyone, though, and
Linux's parent-death signal (PR_SET_PDEATHSIG) reaches only the worker's direct child: a job such as
`sh -c "cd /tmp && python3 work.py"` would leave `work.py` running and, with attempts left, its work
done a second time by the next attempt.

The watchdog is a POSIX shell (about a millisecond to start, well under a megabyte) outside the
group, reading its standard input from a pipe whose only writer is the worker. It never receives a
byte: when the pipe closes, it SIGKILLs the group and exits. The kernel closes the pipe when the
worker dies, by any signal; the worker closes it itself when the attempt's command has ended, so
whatever the command left running in its group ends with it (the stdout it holds would otherwise
keep the attempt open). The command itself runs as before, with its signals and exit status
untouched. A process that leaves the group on purpose (its own setsid) is out of reach, as it
would be of any supervisor short of cgroups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

log = logging.getLogger("runyard.worker")

SHELL = "/bin/sh"
_SCRIPT = 'read _; kill -s KILL -- -"$1" 2>/dev/null; exit 0'


class Watchdog:
    def __init__(self, process: asyncio.subprocess.Process | None) -> None:
        self._process = process

    @classmethod
    async def start(cls, group: int) -> Watchdog:
        """Watch process group `group`; a watchdog that could not start is logged and does nothing."""
        try:
            process = await asyncio.create_subprocess_exec(
                SHELL,
                "-c",
                _SCRIPT,
                "runyard-watchdog",
                str(group),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,  # outside the group it watches
            )
        except OSError as exc:
            log.warning("no watchdog for process group %d (%s): a kill -9 of this worker would leave its processes running", group, exc)
            return cls(None)
        return cls(process)

    async def release(self) -> None:
        """Kill what is left of the group (nothing, when the command took its children with it) and stop watching."""
        if self._process is None:
            return
        process, self._process = self._process, None
        if process.stdin is not None:
            process.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            await process.wait()
