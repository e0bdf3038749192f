from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.native_status import NativeStatus, check_native_status

T = TypeVar("T", bound="SubmitRunResponse")


@_attrs_define
class SubmitRunResponse:
    """An accepted run.

    Attributes:
        job_id (str):
        status (NativeStatus): A run's status as the native dialect shows it. Internal states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        poll_url (str): Where to poll the run's status.
        stream_url (str): Where to follow the run's events.
    """

    job_id: str
    status: NativeStatus
    created_at: datetime.datetime
    poll_url: str
    stream_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        status: str = self.status

        created_at = self.created_at.isoformat()

        poll_url = self.poll_url

        stream_url = self.stream_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "status": status,
                "created_at": created_at,
                "poll_url": poll_url,
                "stream_url": stream_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job_id = d.pop("job_id")

        status = check_native_status(d.pop("status"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        poll_url = d.pop("poll_url")

        stream_url = d.pop("stream_url")

        submit_run_response = cls(
            job_id=job_id,
            status=status,
            created_at=created_at,
            poll_url=poll_url,
            stream_url=stream_url,
        )

        submit_run_response.additional_properties = d
        return submit_run_response

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
