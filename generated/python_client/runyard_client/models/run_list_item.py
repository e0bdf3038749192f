from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.native_status import NativeStatus, check_native_status
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.progress import Progress


T = TypeVar("T", bound="RunListItem")


@_attrs_define
class RunListItem:
    """One run in a list.

    Attributes:
        job_id (str): Unique run identifier.
        status (NativeStatus): A run's status as the native dialect shows it. Internal states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        session_id (None | str): Session identifier if provided during submission.
        job (str): The job the run runs (runyard extension).
        environment (str): The name of the run's environment (runyard extension).
        tags (list[str]): The run's tags, as submitted (runyard extension).
        duration_seconds (float | None): Seconds spent executing, summed over the attempts that have ended
            (as the result's `duration_seconds`); null until one has (runyard extension).
        attempt (int): The attempt running or last run (0 before the first; runyard extension).
        progress (Progress | Unset): How far a run has got; zero before it starts.
        started_at (datetime.datetime | Unset): An ISO 8601 timestamp in UTC.
        completed_at (datetime.datetime | Unset): An ISO 8601 timestamp in UTC.
    """

    job_id: str
    status: NativeStatus
    created_at: datetime.datetime
    session_id: None | str
    job: str
    environment: str
    tags: list[str]
    duration_seconds: float | None
    attempt: int
    progress: Progress | Unset = UNSET
    started_at: datetime.datetime | Unset = UNSET
    completed_at: datetime.datetime | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        status: str = self.status

        created_at = self.created_at.isoformat()

        session_id: None | str
        session_id = self.session_id

        job = self.job

        environment = self.environment

        tags = self.tags

        duration_seconds: float | None
        duration_seconds = self.duration_seconds

        attempt = self.attempt

        progress: dict[str, Any] | Unset = UNSET
        if not isinstance(self.progress, Unset):
            progress = self.progress.to_dict()

        started_at: str | Unset = UNSET
        if not isinstance(self.started_at, Unset):
            started_at = self.started_at.isoformat()

        completed_at: str | Unset = UNSET
        if not isinstance(self.completed_at, Unset):
            completed_at = self.completed_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "status": status,
                "created_at": created_at,
                "session_id": session_id,
                "job": job,
                "environment": environment,
                "tags": tags,
                "duration_seconds": duration_seconds,
                "attempt": attempt,
            }
        )
        if progress is not UNSET:
            field_dict["progress"] = progress
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.progress import Progress  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        status = check_native_status(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_session_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        session_id = _parse_session_id(d.pop("session_id"))

        job = d.pop("job")

        environment = d.pop("environment")

        tags = cast(list[str], d.pop("tags"))

        def _parse_duration_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_seconds = _parse_duration_seconds(d.pop("duration_seconds"))

        attempt = d.pop("attempt")

        _progress = d.pop("progress", UNSET)
        progress: Progress | Unset
        if isinstance(_progress, Unset):
            progress = UNSET
        else:
            progress = Progress.from_dict(_progress)

        _started_at = d.pop("started_at", UNSET)
        started_at: datetime.datetime | Unset
        if isinstance(_started_at, Unset):
            started_at = UNSET
        else:
            started_at = datetime.datetime.fromisoformat(_started_at)

        _completed_at = d.pop("completed_at", UNSET)
        completed_at: datetime.datetime | Unset
        if isinstance(_completed_at, Unset):
            completed_at = UNSET
        else:
            completed_at = datetime.datetime.fromisoformat(_completed_at)

        run_list_item = cls(
            job_id=job_id,
            status=status,
            created_at=created_at,
            session_id=session_id,
            job=job,
            environment=environment,
            tags=tags,
            duration_seconds=duration_seconds,
            attempt=attempt,
            progress=progress,
            started_at=started_at,
            completed_at=completed_at,
        )

        run_list_item.additional_properties = d
        return run_list_item

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
