"""The worker's one watchdog shell (runyard.executor.watchdog): it kills every process group it still
watches when its pipe closes, as the kernel closes it when the worker dies, and a watchdog someone
killed is replaced by one that watches every group again. Groups here are real `sleep` processes in
sessions of their own, as an attempt's command is."""

from __future__ import annotations

import asyncio
import subprocess

import pytest

from runyard.executor import watchdog
from runyard.executor.watchdog import Watchdog
from tests.support.waiting import process_gone, wait_for


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch) -> watchdog._Shell:
    """A watchdog shell of the test's own (not the one this process's attempts use)."""
    fresh = watchdog._Shell()
    monkeypatch.setattr(watchdog, "_shell", fresh)
    return fresh


def _group() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"], start_new_session=True)


def _watch(*groups: subprocess.Popen[bytes]) -> list[Watchdog]:
    async def start() -> list[Watchdog]:
        return [await Watchdog.start(group.pid) for group in groups]

    return asyncio.run(start())


def _close_pipe(shell: watchdog._Shell) -> None:
    """What the kernel does when the worker dies, however it dies."""
    process = shell._process
    assert process is not None and process.stdin is not None
    process.stdin.close()
    process.wait(10)


def test_when_its_pipe_closes_the_watchdog_kills_every_group_it_watches(shell: watchdog._Shell) -> None:
    groups = [_group(), _group()]
    _watch(*groups)
    _close_pipe(shell)
    for group in groups:
        group.wait(10)  # reaped here: the test started them
        assert process_gone(group.pid)


def test_a_released_group_is_killed_at_once_and_the_others_stay_watched(shell: watchdog._Shell) -> None:
    released, kept = _group(), _group()
    first, _ = _watch(released, kept)
    asyncio.run(first.release())
    assert released.wait(10) is not None
    assert kept.poll() is None
    _close_pipe(shell)
    assert kept.wait(10) is not None


def test_a_watchdog_someone_killed_is_replaced_by_one_watching_every_group(shell: watchdog._Shell) -> None:
    before, after = _group(), _group()
    _watch(before)
    killed = shell._process
    assert killed is not None
    killed.kill()
    killed.wait(10)
    wait_for(lambda: process_gone(killed.pid), 10, "the first watchdog to go")
    _watch(after)
    assert shell._process is not killed
    _close_pipe(shell)
    for group in (before, after):
        assert group.wait(10) is not None
