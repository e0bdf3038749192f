"""The per-process observations GET /metrics shows (runyard.web.metrics serves it), in Prometheus' client library.

Each is observed where it happens, in the process it happens in: HTTP requests by the web layer's
middleware, a run's wait for its start and an attempt's duration by the worker that runs it, webhook
deliveries by the worker that sends them, slots by each worker pool. Runs by state and the queue's
depth are not here: a scrape reads them from the store's counts (runyard.web.metrics), the same
figures from every process.

With one process they live in prometheus_client's default registry. Under `runyard serve
--processes N` the supervisor sets PROMETHEUS_MULTIPROC_DIR to a fresh directory before the
processes start (runyard.serving), so the client library keeps every value in a file per process
there and a scrape of any one process sums them all (MultiProcessCollector). The variable is read
when prometheus_client is first imported, which is why it is set before the processes exist.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

# Request latencies: from a millisecond (a status read) to the seconds a slow list or a stream may take.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, float("inf"))
# Waits and runs: from a tenth of a second (an idle worker's claim, a trivial job) to hours.
RUN_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, float("inf"))

# Labels are bounded: an operationId (or "unmatched"), a status code, a job's name, a run state, an outcome.
HTTP_REQUESTS = Histogram(
    "runyard_http_request_duration_seconds",
    "API requests by operation (the spec's operationId, `unmatched` for none) and status, and how long each took to answer in full",
    ["operation", "status"],
    buckets=LATENCY_BUCKETS,
)
START_DELAY = Histogram(
    "runyard_run_start_delay_seconds",
    "Time from a run's submit to its first start (a delayed run's delay included), observed as a worker claims it",
    ["job"],
    buckets=RUN_BUCKETS,
)
RUN_DURATION = Histogram(
    "runyard_run_duration_seconds",
    "How long an attempt's process ran, by job and the state the attempt ended in (retrying for an attempt that will be tried again)",
    ["job", "state"],
    buckets=RUN_BUCKETS,
)
WEBHOOK_DELIVERIES = Counter(
    "runyard_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered (a 2xx), retrying (tried again later), failed (given up)",
    ["outcome"],
)
# livesum: with several processes, the sum over the processes alive (a dead one's files are dropped at scrape).
SLOTS_BUSY = Gauge("runyard_worker_slots_busy", "Embedded worker slots running an attempt", multiprocess_mode="livesum")
SLOTS_TOTAL = Gauge("runyard_worker_slots", "Embedded worker slots (the workers' concurrency)", multiprocess_mode="livesum")


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROCESS_VARIABLE) or None


_LIVE_FILE = re.compile(r"^gauge_live\w*_(\d+)\.db$")


def _forget_dead_processes(directory: str) -> None:
    """Drop the live gauges of processes that are gone (a killed process never said so itself):
    all of a server's processes are on this machine, so "gone" is a signal 0 that finds no one."""
    for path in Path(directory).glob("gauge_live*.db"):
        found = _LIVE_FILE.match(path.name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, directory)
        except PermissionError:  # alive, someone else's
            pass


def per_process_text() -> bytes:
    """This process's observations, or, under --processes, those of every process of the server."""
    directory = multiprocess_directory()
    if directory is None:
        return generate_latest(REGISTRY)
    _forget_dead_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, directory)
    return generate_latest(registry)


def process_ending() -> None:
    """A server process stops: under --processes its live gauges (slots) stop counting at once."""
    directory = multiprocess_directory()
    if directory is not None:
        with contextlib.suppress(OSError):
            multiprocess.mark_process_dead(os.getpid(), directory)
