from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="JobSpecEnv")


@_attrs_define
class JobSpecEnv:
    """Environment variables of the job's process. A job's process never inherits the
    server's or the worker's environment: it gets `PATH`, `HOME`, `LANG` and `TZ`
    (the worker's values; `PATH` defaults to `/usr/local/bin:/usr/bin:/bin` and
    `LANG` to `C.UTF-8`), the variables `env_from` names, these, and the run's
    `RUNYARD_RUN_ID`, `RUNYARD_ATTEMPT` and `RUNYARD_JOB`. Values are write-only: a job
    is shown with each value as `<redacted>`, and a value given as `<redacted>` keeps
    the job's current value of that variable (400 when it has none).

    """

    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_spec_env = cls()

        job_spec_env.additional_properties = d
        return job_spec_env

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
