from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_spec_env import JobSpecEnv
    from ..models.retry_policy import RetryPolicy


T = TypeVar("T", bound="JobSpec")


@_attrs_define
class JobSpec:
    """A job's definition.

    Attributes:
        command (list[str]): The argv to execute (no shell). With `shell`, the first item is a
            command line for `/bin/sh -c` and further items become its `$0`, `$1`, ...
        shell (bool | Unset): Run the command line through /bin/sh -c. Default: False.
        env (JobSpecEnv | Unset): Environment variables of the job's process. A job's process never inherits the
            server's or the worker's environment: it gets `PATH`, `HOME`, `LANG` and `TZ`
            (the worker's values; `PATH` defaults to `/usr/local/bin:/usr/bin:/bin` and
            `LANG` to `C.UTF-8`), the variables `env_from` names, these, and the run's
            `RUNYARD_RUN_ID`, `RUNYARD_ATTEMPT` and `RUNYARD_JOB`. Values are write-only: a job
            is shown with each value as `<redacted>`, and a value given as `<redacted>` keeps
            the job's current value of that variable (400 when it has none).
        env_from (list[str] | Unset): Names of variables the job's process takes from the worker's environment (a
            secret such as `AWS_SECRET_ACCESS_KEY` stays on the worker instead of being
            stored in the job). A name the worker does not have is left out.
        allow_command_override (bool | Unset): Whether a run may replace the job's command (TrueFoundry's trigger
            `input.command`). Off by default: what runs is decided by whoever defines jobs.
             Default: False.
        cwd (None | str | Unset): The working folder (default: the worker's).
        timeout_seconds (float | None | Unset): An attempt running longer is killed and ends timed out (null for no
            limit). Default: 3600.0.
        max_attempts (int | Unset): How many times a run is attempted before it ends failed. Default: 1.
        retry (RetryPolicy | Unset): Backoff between attempts, initial_seconds * factor ^ (attempt - 1), capped at
            max_seconds.
        concurrency (int | None | Unset): At most this many runs of the job execute at once (null for no limit).
        kill_grace_seconds (float | Unset): After SIGTERM (cancel, timeout), seconds before SIGKILL. Default: 5.0.
        environments (list[str] | None | Unset): Environments whose keys may see the job through the TrueFoundry API
            (null for every one).
        retention_days (int | None | Unset): Days a finished run of this job (succeeded, failed, timed out, crashed,
            system failure,
            cancelled or expired) is kept after it finished; older ones are deleted in the background
            by every server, with their tags and webhook deliveries. Overrides the server's
            `--retention-days`. 0 keeps this job's runs forever, whatever the server's setting;
            absent or null, the server's setting applies (without one: forever).
    """

    command: list[str]
    shell: bool | Unset = False
    env: JobSpecEnv | Unset = UNSET
    env_from: list[str] | Unset = UNSET
    allow_command_override: bool | Unset = False
    cwd: None | str | Unset = UNSET
    timeout_seconds: float | None | Unset = 3600.0
    max_attempts: int | Unset = 1
    retry: RetryPolicy | Unset = UNSET
    concurrency: int | None | Unset = UNSET
    kill_grace_seconds: float | Unset = 5.0
    environments: list[str] | None | Unset = UNSET
    retention_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        command = self.command

        shell = self.shell

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        env_from: list[str] | Unset = UNSET
        if not isinstance(self.env_from, Unset):
            env_from = self.env_from

        allow_command_override = self.allow_command_override

        cwd: None | str | Unset
        if isinstance(self.cwd, Unset):
            cwd = UNSET
        else:
            cwd = self.cwd

        timeout_seconds: float | None | Unset
        if isinstance(self.timeout_seconds, Unset):
            timeout_seconds = UNSET
        else:
            timeout_seconds = self.timeout_seconds

        max_attempts = self.max_attempts

        retry: dict[str, Any] | Unset = UNSET
        if not isinstance(self.retry, Unset):
            retry = self.retry.to_dict()

        concurrency: int | None | Unset
        if isinstance(self.concurrency, Unset):
            concurrency = UNSET
        else:
            concurrency = self.concurrency

        kill_grace_seconds = self.kill_grace_seconds

        environments: list[str] | None | Unset
        if isinstance(self.environments, Unset):
            environments = UNSET
        elif isinstance(self.environments, list):
            environments = self.environments

        else:
            environments = self.environments

        retention_days: int | None | Unset
        if isinstance(self.retention_days, Unset):
            retention_days = UNSET
        else:
            retention_days = self.retention_days

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "command": command,
            }
        )
        if shell is not UNSET:
            field_dict["shell"] = shell
        if env is not UNSET:
            field_dict["env"] = env
        if env_from is not UNSET:
            field_dict["env_from"] = env_from
        if allow_command_override is not UNSET:
            field_dict["allow_command_override"] = allow_command_override
        if cwd is not UNSET:
            field_dict["cwd"] = cwd
        if timeout_seconds is not UNSET:
            field_dict["timeout_seconds"] = timeout_seconds
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if retry is not UNSET:
            field_dict["retry"] = retry
        if concurrency is not UNSET:
            field_dict["concurrency"] = concurrency
        if kill_grace_seconds is not UNSET:
            field_dict["kill_grace_seconds"] = kill_grace_seconds
        if environments is not UNSET:
            field_dict["environments"] = environments
        if retention_days is not UNSET:
            field_dict["retention_days"] = retention_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_spec_env import JobSpecEnv  # noqa: PLC0415
        from ..models.retry_policy import RetryPolicy  # noqa: PLC0415

        d = dict(src_dict)
        command = cast(list[str], d.pop("command"))

        shell = d.pop("shell", UNSET)

        _env = d.pop("env", UNSET)
        env: JobSpecEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = JobSpecEnv.from_dict(_env)

        env_from = cast(list[str], d.pop("env_from", UNSET))

        allow_command_override = d.pop("allow_command_override", UNSET)

        def _parse_cwd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cwd = _parse_cwd(d.pop("cwd", UNSET))

        def _parse_timeout_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        timeout_seconds = _parse_timeout_seconds(d.pop("timeout_seconds", UNSET))

        max_attempts = d.pop("max_attempts", UNSET)

        _retry = d.pop("retry", UNSET)
        retry: RetryPolicy | Unset
        if isinstance(_retry, Unset):
            retry = UNSET
        else:
            retry = RetryPolicy.from_dict(_retry)

        def _parse_concurrency(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        concurrency = _parse_concurrency(d.pop("concurrency", UNSET))

        kill_grace_seconds = d.pop("kill_grace_seconds", UNSET)

        def _parse_environments(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                environments_type_0 = cast(list[str], data)

                return environments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        environments = _parse_environments(d.pop("environments", UNSET))

        def _parse_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        retention_days = _parse_retention_days(d.pop("retention_days", UNSET))

        job_spec = cls(
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

        return job_spec
