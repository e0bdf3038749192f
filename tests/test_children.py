"""runyard.executor.children: a run's process is started with subprocess (vfork) on any event loop,
asyncio's and uvloop's (the server's) alike, and waited for with a pidfd on its loop, not a thread each."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from runyard.executor import children

ENV = {"PATH": "/usr/bin:/bin"}
Runner = Callable[[Coroutine[Any, Any, Any]], Any]  # asyncio.run, or uvloop.run (the server's loop)
LOOPS: dict[str, Runner] = {"asyncio": asyncio.run, "uvloop": uvloop.run}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Runner:
    return LOOPS[request.param]


async def _exit_codes(codes: list[int]) -> tuple[list[int], int]:
    """Start `sh -c 'exit N'` for each N at once; their exit codes, and the most threads alive while they ran."""
    processes = [await children.start(["sh", "-c", f"sleep 0.2; exit {code}"], cwd=None, env=ENV, input=b"") for code in codes]
    most_threads = threading.active_count()
    waits = [asyncio.ensure_future(process.wait()) for process in processes]
    while not all(wait.done() for wait in waits):
        most_threads = max(most_threads, threading.active_count())
        await asyncio.sleep(0.01)
    return [wait.result() for wait in waits], most_threads


async def _output(argv: list[str], data: bytes) -> tuple[bytes, bytes, int]:
    process = await children.start(argv, cwd=None, env=ENV, input=data)
    out, err = await asyncio.gather(process.stdout.read(), process.stderr.read())
    return out, err, await process.wait()


@pytest.mark.skipif(not children.HAS_PIDFD, reason="no pidfds here: a thread waits for each process")
def test_each_process_exit_code_is_read_without_a_thread_per_process(run: Runner) -> None:
    before = threading.active_count()
    codes, most_threads = run(_exit_codes([0, 1, 3, 7] * 5))
    assert codes == [0, 1, 3, 7] * 5
    assert most_threads == before


def test_the_input_arrives_on_stdin_and_stdout_and_stderr_are_read_apart(run: Runner) -> None:
    out, err, code = run(_output(["sh", "-c", "cat; echo oops >&2; exit 4"], b'{"n": 1}'))
    assert (out, err, code) == (b'{"n": 1}', b"oops\n", 4)


def test_an_input_larger_than_a_pipe_holds_arrives_whole(run: Runner) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB: the loop writes it as the process reads
    out, _, code = run(_output(["cat"], data))
    assert code == 0 and out == data


def test_a_process_that_reads_no_input_ends_normally(run: Runner) -> None:
    out, err, code = run(_output(["true"], b"x" * 1_000_000))
    assert (out, err, code) == (b"", b"", 0)


def test_a_process_killed_by_a_signal_reports_the_signal_as_a_negative_code(run: Runner) -> None:
    assert run(_output(["sh", "-c", "kill -KILL $$"], b""))[2] == -9


def test_the_returncode_is_none_until_the_process_has_ended(run: Runner) -> None:
    async def codes() -> tuple[int | None, int | None]:
        process = await children.start(["sleep", "0.2"], cwd=None, env=ENV, input=b"")
        before = process.returncode
        await process.wait()
        return before, process.returncode

    assert run(codes()) == (None, 0)


def test_a_command_that_cannot_start_raises_oserror(run: Runner) -> None:
    with pytest.raises(OSError):
        run(children.start(["/nonexistent/command"], cwd=None, env=ENV, input=b""))


def test_processes_started_by_loops_in_two_threads_are_each_reaped_by_their_own_loop() -> None:
    results: dict[str, list[int]] = {}

    def in_thread(name: str, codes: list[int]) -> None:
        results[name] = LOOPS[name](_exit_codes(codes))[0]

    threads = [threading.Thread(target=in_thread, args=(name, codes)) for name, codes in (("asyncio", [2, 4, 6]), ("uvloop", [5, 0, 9]))]
    for thread in threads:
        thread.start()
    main_codes, _ = asyncio.run(_exit_codes([11, 12]))
    for thread in threads:
        thread.join(30)
    assert results == {"asyncio": [2, 4, 6], "uvloop": [5, 0, 9]}
    assert main_codes == [11, 12]
