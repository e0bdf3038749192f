from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RunLogs")


@_attrs_define
class RunLogs:
    """The captured output of a run's latest attempt.

    Attributes:
        job_id (str):
        attempt (int): The attempt the output belongs to (0 before the first starts).
        exit_code (int | None): The attempt's exit code (negative for a signal), null while running or before.
        stdout (str): The last 64 KiB of standard output.
        stderr (str): The last 64 KiB of standard error.
    """

    job_id: str
    attempt: int
    exit_code: int | None
    stdout: str
    stderr: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        attempt = self.attempt

        exit_code: int | None
        exit_code = self.exit_code

        stdout = self.stdout

        stderr = self.stderr

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "attempt": attempt,
                "exit_code": exit_code,
                "stdout": stdout,
                "stderr": stderr,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        attempt = d.pop("attempt")

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        stdout = d.pop("stdout")

        stderr = d.pop("stderr")

        run_logs = cls(
            job_id=job_id,
            attempt=attempt,
            exit_code=exit_code,
            stdout=stdout,
            stderr=stderr,
        )

        run_logs.additional_properties = d
        return run_logs

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
