"""Jobs: named, versioned commands that runs execute.

A definition is plain data; changing it makes a new version, and every run
records the version it was submitted against.
"""

from __future__ import annotations

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
        return data

    @classmethod
    def from_data(cls, name: str, data: dict[str, Any]) -> JobDefinition:
        """A definition from data already validated against the spec's JobSpec (defaults filled in here)."""
        command = data["command"]
        shell = bool(data.get("shell", False))
        retry = data.get("retry") or {}
        environments = data.get("environments")
        timeout = data.get("timeout_seconds", 3600.0)
        concurrency = data.get("concurrency")
        return cls(
            name=name,
            command=(command,) if isinstance(command, str) else tuple(command),
            shell=shell,
            env=dict(data.get("env") or {}),
            cwd=data.get("cwd"),
            timeout_seconds=float(timeout) if timeout is not None else None,
            max_attempts=int(data.get("max_attempts", 1)),
            retry=RetryPolicy(
                initial_seconds=float(retry.get("initial_seconds", 1.0)),
                factor=float(retry.get("factor", 2.0)),
                max_seconds=float(retry.get("max_seconds", 60.0)),
            ),
            concurrency=int(concurrency) if concurrency is not None else None,
            kill_grace_seconds=float(data.get("kill_grace_seconds", 5.0)),
            environments=tuple(environments) if environments is not None else None,
            env_from=tuple(data.get("env_from") or ()),
            allow_command_override=bool(data.get("allow_command_override", False)),
        )


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
