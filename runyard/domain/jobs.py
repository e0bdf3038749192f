"""Jobs: named, versioned commands that runs execute.

A definition is plain data; changing it makes a new version, and every run
records the version it was submitted against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

# How a job's env values are shown (they are write-only), and, given back in a definition, "keep the current value".
REDACTED = "<redacted>"


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
    env_from: tuple[str, ...] = ()  # variables the process takes from the worker's environment
    allow_command_override: bool = False  # may a run replace the command (only whoever defines the job decides)
    retention_days: int | None = None  # finished runs kept this long (0: forever; None: the server's), runyard.domain.retention

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
        data["env_from"] = list(self.env_from)
        if self.retention_days is None:
            # Left out unless set, so the definitions stored before the field existed compare equal
            # and a restart with the same jobs file makes no new version of every job.
            del data["retention_days"]
        return data

    @classmethod
    def from_data(cls, name: str, data: dict[str, Any]) -> JobDefinition:
        """A definition from data already validated against the spec's JobSpec; absent fields take the defaults above."""
        return cls(name=name, **{key: convert(data[key]) for key, convert in _FROM_JSON.items() if key in data})


def _nullable(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


# How each field of a JSON definition becomes its dataclass field (JSON numbers may be 3 or 3.0 alike).
_FROM_JSON: dict[str, Callable[[Any], Any]] = {
    "command": lambda value: (value,) if isinstance(value, str) else tuple(value),
    "shell": bool,
    "env": lambda value: dict(value or {}),
    "cwd": lambda value: value,
    "timeout_seconds": _nullable(float),
    "max_attempts": int,
    "retry": lambda value: RetryPolicy(**{key: float(number) for key, number in (value or {}).items()}),
    "concurrency": _nullable(int),
    "kill_grace_seconds": float,
    "environments": _nullable(tuple),
    "env_from": lambda value: tuple(value or ()),
    "allow_command_override": bool,
    "retention_days": _nullable(int),
}


@dataclass(frozen=True)
class StoredJob:
    """A job as the store holds it: its current definition and version."""

    definition: JobDefinition
    version: int
    created_at: int
    updated_at: int
    id: str

    @property
    def name(self) -> str:
        return self.definition.name


@dataclass(frozen=True)
class JobVersion:
    """One version of a job's definition, as it was made (runs name the version they used)."""

    version: int
    created_at: int  # epoch microseconds
    definition: JobDefinition
