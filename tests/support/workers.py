"""Worker settings for tests that wait on a worker."""

from __future__ import annotations

from runyard.executor.worker import WorkerSettings


def brisk_worker(concurrency: int) -> WorkerSettings:
    """A brisk worker: tests wait on it, so it polls often and lets go quickly at shutdown."""
    return WorkerSettings(
        concurrency=concurrency,
        lease_seconds=5.0,
        poll_interval=0.05,
        housekeeping_interval=0.1,
        shutdown_grace_seconds=1.0,
        check_interval=0.05,
        heartbeat_interval=0.1,
    )
