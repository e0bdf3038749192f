"""`runyard serve`, in one process or several sharing one port (`--processes N`).

With several processes uvicorn's own supervisor binds the port once and starts N processes that
each build the app from the same options (this module's `app_from_environment`, which uvicorn
imports in each: the options travel in an environment variable), each with its own embedded
workers, background loops and connections. Everything they share goes through the database,
which is built for any number of servers (claims, schedules, bulk actions, retention). A process
that loses its supervisor, however the supervisor went, is told to stop (Linux's parent-death
signal), so a killed `runyard serve` leaves no server behind. Their metrics are kept in
prometheus_client's multiprocess files, in a directory the supervisor makes for them (runyard.metrics).
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp

OPTIONS_VARIABLE = "RUNYARD_SERVE_OPTIONS"
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ServeOptions:
    """What `runyard serve` was asked, as every one of its processes needs it."""

    database_url: str
    jobs_file: str | None
    workers: int
    lease_seconds: float
    shutdown_grace: float
    require_keys: bool
    max_body_bytes: int
    body_timeout: float
    max_input_bytes: int
    store_wait: float
    prompt_job: str
    webhook_allow_private: bool
    trust_proxy: bool
    max_queued: int | None
    retention_days: int | None
    log_level: str

    def to_environment(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_environment(cls, text: str) -> ServeOptions:
        return cls(**json.loads(text))


def build_app(options: ServeOptions) -> ASGIApp:
    """The app `runyard serve` serves (raises InvalidJob, UnsupportedDatabase or RunyardError for bad input)."""
    from runyard.executor.worker import WorkerSettings
    from runyard.runtime import read_jobs_file
    from runyard.store.db import open_database
    from runyard.web.app import Limits, Runs, create_app

    _log_to_stderr(options.log_level)
    jobs_file = read_jobs_file(Path(options.jobs_file) if options.jobs_file is not None else None)
    db = open_database(options.database_url, wait_seconds=options.store_wait)
    return create_app(
        db,
        jobs=jobs_file.jobs,
        worker=WorkerSettings(concurrency=options.workers, lease_seconds=options.lease_seconds, shutdown_grace_seconds=options.shutdown_grace),
        require_keys=options.require_keys,
        limits=Limits(max_body_bytes=options.max_body_bytes, body_timeout_seconds=options.body_timeout, max_input_bytes=options.max_input_bytes),
        runs=Runs(
            prompt_job=options.prompt_job,
            webhook_allow_private=options.webhook_allow_private,
            max_queued=options.max_queued,
            trust_proxy=options.trust_proxy,
            retention_days=options.retention_days,
        ),
        declared_schedules=jobs_file.declared_schedules,
        queue_limits=jobs_file.queue_limits,
    )


def _log_to_stderr(log_level: str) -> None:
    """runyard's own log lines (retention's passes, the embedded workers') on stderr at the server's
    log level, beside uvicorn's (which configures only its own loggers); once per process."""
    logger = logging.getLogger("runyard")
    logger.setLevel(log_level.upper())
    if not any(getattr(handler, "runyard", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.runyard = True  # type: ignore[attr-defined]  # marks the handler as this module's
        logger.addHandler(handler)


def app_from_environment() -> ASGIApp:
    """uvicorn's factory in each process of `--processes N`: the app, from the options the supervisor set."""
    _stop_with_parent()
    return build_app(ServeOptions.from_environment(os.environ[OPTIONS_VARIABLE]))


def _stop_with_parent() -> None:
    """SIGTERM this process (a graceful stop) when its supervisor dies, even by SIGKILL."""
    if not sys.platform.startswith("linux"):
        return
    parent = int(os.environ.get(f"{OPTIONS_VARIABLE}_PARENT", "0"))
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent and os.getppid() != parent:  # it died before the signal was asked for
        os.kill(os.getpid(), signal.SIGTERM)


METRICS_PREFIX = "runyard-metrics-"  # then the supervisor's pid, a dash and mkdtemp's letters


def forget_stale_metrics_directories(parent: str | None = None) -> None:
    """Remove the metrics directories of supervisors that are gone without removing their own
    (killed with SIGKILL: no `finally` runs), so that they do not pile up in the temporary folder."""
    for path in Path(parent or tempfile.gettempdir()).glob(f"{METRICS_PREFIX}*-*"):
        pid = path.name[len(METRICS_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:  # alive, someone else's
            pass


def serve_processes(options: ServeOptions, processes: int, **uvicorn_options: object) -> None:
    """Serve with `processes` processes on one port, under uvicorn's supervisor."""
    import uvicorn

    from runyard.metrics import MULTIPROCESS_VARIABLE

    os.environ[OPTIONS_VARIABLE] = options.to_environment()
    os.environ[f"{OPTIONS_VARIABLE}_PARENT"] = str(os.getpid())
    # prometheus_client's multiprocess mode (runyard.metrics): a fresh directory of value files
    # for this server's processes, set before they start (each reads it as it imports the client),
    # never one left by an earlier server (its counters would be added to this one's), removed after
    # (or, when the supervisor was killed outright, by the next `serve --processes` on this machine).
    forget_stale_metrics_directories()
    directory = tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-")
    os.environ[MULTIPROCESS_VARIABLE] = directory
    try:
        uvicorn.run("runyard.serving:app_from_environment", factory=True, workers=processes, **uvicorn_options)  # type: ignore[arg-type]
    finally:
        os.environ.pop(MULTIPROCESS_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)
