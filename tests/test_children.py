"""runyard.executor.children: a run's process is waited for with a pidfd on the loop that started it, not a thread each."""

from __future__ import annotations

import asyncio
import threading

from runyard.executor import children


async def _exit_codes(codes: list[int]) -> tuple[list[int], int]:
    """Start `sh -c 'exit N'` for each N at once; their exit codes, and the most threads alive while they ran."""
    processes = [await asyncio.create_subprocess_exec("sh", "-c", f"sleep 0.2; exit {code}") for code in codes]
    most_threads = threading.active_count()
    waits = [asyncio.ensure_future(process.wait()) for process in processes]
    while not all(wait.done() for wait in waits):
        most_threads = max(most_threads, threading.active_count())
        await asyncio.sleep(0.01)
    return [wait.result() for wait in waits], most_threads


def test_each_process_exit_code_is_read_without_a_thread_per_process() -> None:
    children.install()
    before = threading.active_count()
    codes, most_threads = asyncio.run(_exit_codes([0, 1, 3, 7] * 5))
    assert codes == [0, 1, 3, 7] * 5
    assert most_threads == before  # asyncio's threaded watcher would have started one per process


def test_processes_started_by_loops_in_two_threads_are_each_reaped_by_their_own_loop() -> None:
    children.install()
    results: dict[str, list[int]] = {}

    def in_thread(name: str, codes: list[int]) -> None:
        results[name] = asyncio.run(_exit_codes(codes))[0]

    threads = [threading.Thread(target=in_thread, args=(name, codes)) for name, codes in (("a", [2, 4, 6]), ("b", [5, 0, 9]))]
    for thread in threads:
        thread.start()
    main_codes, _ = asyncio.run(_exit_codes([11, 12]))
    for thread in threads:
        thread.join(30)
    assert results == {"a": [2, 4, 6], "b": [5, 0, 9]}
    assert main_codes == [11, 12]


def test_a_process_killed_by_a_signal_reports_the_signal_as_a_negative_code() -> None:
    children.install()

    async def killed() -> int:
        process = await asyncio.create_subprocess_exec("sh", "-c", "kill -KILL $$")
        return await process.wait()

    assert asyncio.run(killed()) == -9
