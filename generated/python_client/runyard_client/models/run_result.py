from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.native_status import NativeStatus, check_native_status
from ..types import UNSET, Unset

T = TypeVar("T", bound="RunResult")


@_attrs_define
class RunResult:
    """The outcome of a finished run.

    Attributes:
        job_id (str):
        status (NativeStatus): A run's status as the native dialect shows it. Internal states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        result (Any): The JSON the job reported as its result, or null.
        error (None | str): What went wrong, when the run did not succeed.
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        completed_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        duration_seconds (float | None | Unset): Seconds the run spent executing: the sum of its attempts' running times
            (waits
            between retries not counted), as in every dialect (Trigger.dev's `durationMs`,
            TrueFoundry's `duration`). For a run with one attempt this is its time from start
            to finish, as PraisonAI reports it. Null when no attempt ran to its end (never
            started, or its only attempts were lost with their worker).
    """

    job_id: str
    status: NativeStatus
    result: Any
    error: None | str
    created_at: datetime.datetime
    completed_at: datetime.datetime
    duration_seconds: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        status: str = self.status

        result = self.result

        error: None | str
        error = self.error

        created_at = self.created_at.isoformat()

        completed_at = self.completed_at.isoformat()

        duration_seconds: float | None | Unset
        if isinstance(self.duration_seconds, Unset):
            duration_seconds = UNSET
        else:
            duration_seconds = self.duration_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "status": status,
                "result": result,
                "error": error,
                "created_at": created_at,
                "completed_at": completed_at,
            }
        )
        if duration_seconds is not UNSET:
            field_dict["duration_seconds"] = duration_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        status = check_native_status(d.pop("status"))

        result = d.pop("result")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        completed_at = datetime.datetime.fromisoformat(d.pop("completed_at"))

        def _parse_duration_seconds(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        duration_seconds = _parse_duration_seconds(d.pop("duration_seconds", UNSET))

        run_result = cls(
            job_id=job_id,
            status=status,
            result=result,
            error=error,
            created_at=created_at,
            completed_at=completed_at,
            duration_seconds=duration_seconds,
        )

        run_result.additional_properties = d
        return run_result

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
