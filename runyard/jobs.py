"""Job definitions from outside: `runyard.toml` tables and API bodies, validated against the spec's JobSpec."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runyard.auth import ENVIRONMENT_NAME
from runyard.domain import InvalidJob, JobDefinition, RetryPolicy
from runyard.domain.schedules import DEFAULT_TIMEZONE, DeclaredSchedule, InvalidSchedule, check
from runyard.spec import schema_validator

__all__ = [
    "DEMO_JOB_NAME",
    "InvalidJob",
    "JobDefinition",
    "RetryPolicy",
    "demo_job",
    "job_from_data",
    "load_declared_schedules",
    "load_jobs_file",
    "load_prompt_job",
    "load_queue_limits",
]

# Keys of a job's table that declare its schedule rather than define the job (not part of JobSpec).
SCHEDULE_KEYS = ("schedule", "timezone", "schedule_environment")

DEMO_JOB_NAME = "demo"


def _where(path: Any) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def job_from_data(name: str, data: Any) -> JobDefinition:
    """Validate a definition given as data (a jobs file table or an API body) against the spec's JobSpec."""
    if not isinstance(data, dict):
        raise InvalidJob(f"job {name!r} must be a table/object")
    name_error = next(iter(schema_validator("JobNameString").iter_errors(name)), None)
    if name_error is not None:
        raise InvalidJob(f"invalid job name {name!r}: {name_error.message}")
    if isinstance(data.get("command"), str) and data.get("shell") is True:
        data = {**data, "command": [data["command"]]}  # a jobs file may give a shell line as one string
    error = next(iter(sorted(schema_validator("JobSpec").iter_errors(data), key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = _where(error.absolute_path)
        raise InvalidJob(f"job {name!r}: {where + ': ' if where else ''}{error.message}")
    return JobDefinition.from_data(name, data)


def load_prompt_job(path: Path) -> str | None:
    """The jobs file's `prompt_job = "NAME"` (the job prompt submissions run), if it sets one."""
    try:
        value = tomllib.loads(path.read_text()).get("prompt_job")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidJob(f"{path}: {exc}") from None
    if value is not None and not isinstance(value, str):
        raise InvalidJob(f"{path}: prompt_job must be a job's name")
    return value


def _tables(path: Path) -> dict[str, Any]:
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidJob(f"{path}: {exc}") from None
    tables = document.get("jobs")
    if not isinstance(tables, dict) or not tables:
        raise InvalidJob(f"{path}: no [jobs.NAME] tables")
    return tables


def load_jobs_file(path: Path) -> list[JobDefinition]:
    """Jobs from a runyard.toml: one `[jobs.NAME]` table per job (its schedule keys aside)."""
    base = path.resolve().parent
    jobs = []
    for name, data in _tables(path).items():
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key not in SCHEDULE_KEYS}
        job = job_from_data(name, data)
        if job.cwd is not None and not Path(job.cwd).is_absolute():
            # A relative folder in a jobs file is relative to the file, not to wherever serve started.
            job = replace(job, cwd=str(base / job.cwd))
        jobs.append(job)
    return jobs


def load_queue_limits(path: Path) -> dict[str, int | None]:
    """The jobs file's queues: `[queues.NAME]` with `concurrency_limit = N` (at most N runs of the queue
    run at once in an environment, or of one concurrency key within it; absent: no limit)."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidJob(f"{path}: {exc}") from None
    tables = document.get("queues") or {}
    if not isinstance(tables, dict):
        raise InvalidJob(f"{path}: queues must be [queues.NAME] tables")
    limits: dict[str, int | None] = {}
    for name, data in tables.items():
        limit = data.get("concurrency_limit") if isinstance(data, dict) else None
        unknown = sorted(set(data) - {"concurrency_limit"}) if isinstance(data, dict) else ["(not a table)"]
        if unknown or not (limit is None or (isinstance(limit, int) and not isinstance(limit, bool) and 0 <= limit <= 100_000)):
            raise InvalidJob(
                f"queue {name!r}: concurrency_limit must be a whole number from 0 to 100000" + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            )
        if not 1 <= len(name) <= 128:
            raise InvalidJob(f"queue {name!r}: a name of 1 to 128 characters")
        limits[name] = limit
    return limits


def load_declared_schedules(path: Path) -> list[DeclaredSchedule]:
    """The schedules declared on the jobs of a runyard.toml: `schedule = "0 9 * * 1-5"`, with an
    optional `timezone` (default UTC) and `schedule_environment` (where the runs belong; default
    `default`). A bad expression or zone is InvalidJob naming the job, so serve refuses to start."""
    declared = []
    for name, data in _tables(path).items():
        if not isinstance(data, dict) or "schedule" not in data:
            if isinstance(data, dict) and ("timezone" in data or "schedule_environment" in data):
                raise InvalidJob(f"job {name!r}: timezone and schedule_environment go with a `schedule`")
            continue
        values = {key: data.get(key) for key in SCHEDULE_KEYS}
        wrong = [key for key, value in values.items() if value is not None and not isinstance(value, str)]
        if wrong:
            raise InvalidJob(f"job {name!r}: {wrong[0]} must be a string")
        item = DeclaredSchedule(name, values["schedule"] or "", values["timezone"] or DEFAULT_TIMEZONE, values["schedule_environment"] or "default")
        try:
            check(item.cron, item.timezone, datetime.now(UTC))
        except InvalidSchedule as exc:
            raise InvalidJob(f"job {name!r}: {'schedule' if exc.field == 'cron' else exc.field}: {exc}") from None
        if not ENVIRONMENT_NAME.match(item.environment):
            raise InvalidJob(f"job {name!r}: schedule_environment {item.environment!r}: use 1-32 lower-case letters, digits and '-'")
        declared.append(item)
    return declared


# The built-in example: a few seconds of progress, then a result, with only Python needed.
_DEMO_SCRIPT = """\
import json, sys, time
payload = json.loads(sys.stdin.read() or "null")
steps = ["Loading input", "Processing data", "Writing result"]
for i, step in enumerate(steps):
    print(f"::progress {int(100 * i / len(steps))} {step}", flush=True)
    time.sleep(1)
print("::progress 100 Done", flush=True)
print("::result " + json.dumps({"echo": payload, "steps": len(steps)}), flush=True)
"""


def demo_job() -> JobDefinition:
    return JobDefinition(name=DEMO_JOB_NAME, command=(sys.executable, "-c", _DEMO_SCRIPT), timeout_seconds=60.0)
