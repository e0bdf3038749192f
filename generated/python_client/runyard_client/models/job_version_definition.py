from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_version_definition_env import JobVersionDefinitionEnv
    from ..models.retry_policy import RetryPolicy


T = TypeVar("T", bound="JobVersionDefinition")


@_attrs_define
class JobVersionDefinition:
    """A job's definition as one of its versions had it (the Job schema without its times).

    Attributes:
        name (str): A job's name.
        version (int):
        command (list[str]):
        shell (bool):
        env (JobVersionDefinitionEnv): The names of the job's variables; their values are shown as `<redacted>`.
        env_from (list[str]):
        allow_command_override (bool):
        cwd (None | str):
        timeout_seconds (float | None):
        max_attempts (int):
        retry (RetryPolicy): Backoff between attempts, initial_seconds * factor ^ (attempt - 1), capped at max_seconds.
        concurrency (int | None):
        kill_grace_seconds (float):
        environments (list[str] | None):
        retention_days (int | None):
    """

    name: str
    version: int
    command: list[str]
    shell: bool
    env: JobVersionDefinitionEnv
    env_from: list[str]
    allow_command_override: bool
    cwd: None | str
    timeout_seconds: float | None
    max_attempts: int
    retry: RetryPolicy
    concurrency: int | None
    kill_grace_seconds: float
    environments: list[str] | None
    retention_days: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        command = self.command

        shell = self.shell

        env = self.env.to_dict()

        env_from = self.env_from

        allow_command_override = self.allow_command_override

        cwd: None | str
        cwd = self.cwd

        timeout_seconds: float | None
        timeout_seconds = self.timeout_seconds

        max_attempts = self.max_attempts

        retry = self.retry.to_dict()

        concurrency: int | None
        concurrency = self.concurrency

        kill_grace_seconds = self.kill_grace_seconds

        environments: list[str] | None
        if isinstance(self.environments, list):
            environments = self.environments

        else:
            environments = self.environments

        retention_days: int | None
        retention_days = self.retention_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "command": command,
                "shell": shell,
                "env": env,
                "env_from": env_from,
                "allow_command_override": allow_command_override,
                "cwd": cwd,
                "timeout_seconds": timeout_seconds,
                "max_attempts": max_attempts,
                "retry": retry,
                "concurrency": concurrency,
                "kill_grace_seconds": kill_grace_seconds,
                "environments": environments,
                "retention_days": retention_days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_version_definition_env import JobVersionDefinitionEnv  # noqa: PLC0415
        from ..models.retry_policy import RetryPolicy  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        command = cast(list[str], d.pop("command"))

        shell = d.pop("shell")

        env = JobVersionDefinitionEnv.from_dict(d.pop("env"))

        env_from = cast(list[str], d.pop("env_from"))

        allow_command_override = d.pop("allow_command_override")

        def _parse_cwd(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cwd = _parse_cwd(d.pop("cwd"))

        def _parse_timeout_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        timeout_seconds = _parse_timeout_seconds(d.pop("timeout_seconds"))

        max_attempts = d.pop("max_attempts")

        retry = RetryPolicy.from_dict(d.pop("retry"))

        def _parse_concurrency(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        concurrency = _parse_concurrency(d.pop("concurrency"))

        kill_grace_seconds = d.pop("kill_grace_seconds")

        def _parse_environments(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                environments_type_0 = cast(list[str], data)

                return environments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        environments = _parse_environments(d.pop("environments"))

        def _parse_retention_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        retention_days = _parse_retention_days(d.pop("retention_days"))

        job_version_definition = cls(
            name=name,
            version=version,
            command=command,
            shell=shell,
            env=env,
            env_from=env_from,
            allow_command_override=allow_command_override,
            cwd=cwd,
            timeout_seconds=timeout_seconds,
            max_attempts=max_attempts,
            retry=retry,
            concurrency=concurrency,
            kill_grace_seconds=kill_grace_seconds,
            environments=environments,
            retention_days=retention_days,
        )

        job_version_definition.additional_properties = d
        return job_version_definition

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
