"""runyard.executor.children: a run's process is started with subprocess (vfork) on any event loop,
asyncio's and uvloop's (the server's) alike, and waited for with a pidfd on its loop, not a thread each."""

from __future__ import annotations

import asyncio
import os
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


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_no_descriptor_is_left_open_once_processes_are_read_to_their_end(run: Runner) -> None:
    async def many() -> None:
        for _ in range(50):
            await _output(["sh", "-c", "cat; echo done >&2"], b"x" * 100)

    run(_output(["true"], b""))  # the loop's own descriptors, and the first process's, are not counted
    before = _open_descriptors()
    run(many())
    assert _open_descriptors() == before


def test_closing_a_process_whose_output_is_not_read_closes_its_pipes(run: Runner) -> None:
    async def unread() -> int:
        before = _open_descriptors()
        process = await children.start(["sh", "-c", "echo started; sleep 0.2"], cwd=None, env=ENV, input=b"")
        await process.wait()
        process.close()
        await process.stdout.read()  # the stream ends where it was left: nothing waits for more
        return _open_descriptors() - before

    assert run(unread()) == 0


def test_a_process_that_prints_faster_than_it_is_read_waits_on_its_pipe(run: Runner) -> None:
    async def fast() -> tuple[int | None, int, bytes, int]:
        process = await children.start(["head", "-c", "10000000", "/dev/zero"], cwd=None, env=ENV, input=b"")
        await asyncio.sleep(0.3)  # nobody reads meanwhile
        held = len(process.stdout._buffer)  # type: ignore[attr-defined]  # what the stream holds unread
        early = process.returncode
        out = await process.stdout.read()
        return early, held, out[:1], len(out) + (await process.wait())

    early, held, first, total = run(fast())
    assert early is None  # still writing: the pipe is full and not read
    assert held <= 3 * children.STREAM_LIMIT  # paused past twice the limit (plus what one read adds)
    assert (first, total) == (b"\0", 10_000_000)


def test_no_descriptor_another_thread_opens_is_closed_by_starting_and_ending_processes(run: Runner) -> None:
    """uvloop closed each pipe twice (libuv, then the pipe's file object): a file another thread
    opened in between lost its descriptor (a file the server was sending to a client, cut short)."""
    stop = threading.Event()
    lost: list[str] = []

    def open_files() -> None:
        while not stop.is_set():
            fd = os.open("/proc/self/stat", os.O_RDONLY)
            try:
                for _ in range(3):
                    os.fstat(fd)
                    os.pread(fd, 1, 0)
            except OSError as exc:  # closed (EBADF) or replaced by another descriptor since
                lost.append(repr(exc))
                continue  # not closed again: the number may be someone else's now
            os.close(fd)

    async def many() -> None:
        for _ in range(500):
            await _output(["true"], b"null")

    threads = [threading.Thread(target=open_files) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        run(many())
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert lost == []
