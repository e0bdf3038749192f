"""Jobs: named, versioned commands that runs execute.

A job is defined in a jobs file (`runyard.toml`, see README) or through the
API. Its definition is plain data; changing it makes a new version, and every
run records the version it was submitted against.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEMO_JOB_NAME = "demo"


class InvalidJob(ValueError):
    """A job definition that cannot run; the message says which field and why."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between attempts: initial * factor ** (attempt - 1), capped at max."""

    initial_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.max_seconds, self.initial_seconds * self.factor ** max(0, attempt - 1))


@dataclass(frozen=True)
class JobDefinition:
    name: str
    command: tuple[str, ...]
    shell: bool = False
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout_seconds: float | None = 3600.0
    max_attempts: int = 1
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    concurrency: int | None = None
    kill_grace_seconds: float = 5.0
    environments: tuple[str, ...] | None = None  # who may see it through keys (None: every environment)

    def argv(self) -> list[str]:
        """What to execute: the argv itself, or through /bin/sh -c (further items are $0, $1, ...)."""
        if self.shell:
            return ["/bin/sh", "-c", *self.command]
        return list(self.command)

    def to_data(self) -> dict[str, Any]:
        """The definition as stored and served (JSON-able, without the name)."""
        data = asdict(self)
        data.pop("name")
        data["command"] = list(self.command)
        data["environments"] = list(self.environments) if self.environments is not None else None
        return data


def _number(
    data: dict[str, Any], key: str, default: float | None, *, minimum: float, maximum: float, exclusive: bool = False, allow_none: bool = False
) -> float | None:
    value = data.get(key, default)
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not minimum <= value <= maximum or (exclusive and value == minimum):
        raise InvalidJob(f"{key} must be a number {'>' if exclusive else '>='} {minimum} and <= {maximum}, got {value!r}")
    return float(value)


def _integer(data: dict[str, Any], key: str, default: int | None, *, minimum: int, maximum: int, allow_none: bool = False) -> int | None:
    """An integer as JSON Schema 2020-12 counts them: 3 and 3.0 alike."""
    value = data.get(key, default)
    if value is None and allow_none:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidJob(f"{key} must be an integer from {minimum} to {maximum}, got {value!r}")
    return value


def job_from_data(name: str, data: dict[str, Any]) -> JobDefinition:
    """Validate a definition given as data (jobs file table or API body)."""
    if not isinstance(data, dict):
        raise InvalidJob(f"job {name!r} must be a table/object")
    known = {"command", "shell", "env", "cwd", "timeout_seconds", "max_attempts", "retry", "concurrency", "kill_grace_seconds", "environments"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidJob(f"job {name!r}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    shell = data.get("shell", False)
    if not isinstance(shell, bool):
        raise InvalidJob("shell must be true or false")
    command = data.get("command")
    if isinstance(command, str) and shell:
        command = [command]
    if not isinstance(command, list) or not command or not all(isinstance(a, str) and a for a in command):
        raise InvalidJob("command must be a non-empty list of non-empty strings (argv), or a string with shell = true")
    env = data.get("env", {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise InvalidJob("env must map names to string values")
    cwd = data.get("cwd")
    if cwd is not None and (not isinstance(cwd, str) or not cwd):
        raise InvalidJob("cwd must be a non-empty path")
    max_attempts = _integer(data, "max_attempts", 1, minimum=1, maximum=100)
    concurrency = _integer(data, "concurrency", None, minimum=1, maximum=100_000, allow_none=True)
    environments = data.get("environments")
    if environments is not None and (not isinstance(environments, list) or not all(isinstance(e, str) and e for e in environments)):
        raise InvalidJob("environments must be a list of environment names (or absent for every environment)")
    retry_data = data.get("retry", {})
    if not isinstance(retry_data, dict) or set(retry_data) - {"initial_seconds", "factor", "max_seconds"}:
        raise InvalidJob("retry must be a table of initial_seconds, factor, max_seconds")
    retry = RetryPolicy(
        initial_seconds=_number(retry_data, "initial_seconds", 1.0, minimum=0, maximum=86400),
        factor=_number(retry_data, "factor", 2.0, minimum=1, maximum=100),
        max_seconds=_number(retry_data, "max_seconds", 60.0, minimum=0, maximum=86400),
    )
    return JobDefinition(
        name=name,
        command=tuple(command),
        shell=shell,
        env=dict(env),
        cwd=cwd,
        timeout_seconds=_number(data, "timeout_seconds", 3600.0, minimum=0, maximum=2592000, exclusive=True, allow_none=True),
        max_attempts=max_attempts,
        retry=retry,
        concurrency=concurrency,
        kill_grace_seconds=_number(data, "kill_grace_seconds", 5.0, minimum=0, maximum=3600),
        environments=tuple(environments) if environments is not None else None,
    )


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
            job = JobDefinition(**{**job.__dict__, "cwd": str(base / job.cwd)})
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
