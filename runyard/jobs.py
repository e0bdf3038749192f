"""Job definitions from outside: `runyard.toml` tables and API bodies, validated against the spec's JobSpec."""

from __future__ import annotations

import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

from runyard.domain import InvalidJob, JobDefinition, RetryPolicy
from runyard.spec import schema_validator

__all__ = ["DEMO_JOB_NAME", "InvalidJob", "JobDefinition", "RetryPolicy", "demo_job", "job_from_data", "load_jobs_file", "load_prompt_job"]

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


def load_jobs_file(path: Path) -> list[JobDefinition]:
    """Jobs from a runyard.toml: one `[jobs.NAME]` table per job."""
    try:
        document = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidJob(f"{path}: {exc}") from None
    tables = document.get("jobs")
    if not isinstance(tables, dict) or not tables:
        raise InvalidJob(f"{path}: no [jobs.NAME] tables")
    base = path.resolve().parent
    jobs = []
    for name, data in tables.items():
        job = job_from_data(name, data)
        if job.cwd is not None and not Path(job.cwd).is_absolute():
            # A relative folder in a jobs file is relative to the file, not to wherever serve started.
            job = replace(job, cwd=str(base / job.cwd))
        jobs.append(job)
    return jobs


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
