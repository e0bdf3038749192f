"""Polling until something holds, and looking at processes from outside."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def wait_for(probe: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    """Call `probe` until it returns something truthy and return that; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last probe: {last!r}")
        time.sleep(interval)


def process_exists(pid: int) -> bool:
    """The kernel still knows the PID (a zombie waiting to be reaped counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def process_gone(pid: int) -> bool:
    """No such process, or only a zombie waiting to be reaped (it runs nothing any more)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")
