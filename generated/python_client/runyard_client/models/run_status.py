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
    from ..models.webhook_delivery import WebhookDelivery


T = TypeVar("T", bound="RunStatus")


@_attrs_define
class RunStatus:
    """The current status of one run.

    Attributes:
        job_id (str): Unique run identifier.
        status (NativeStatus): A run's status as the native dialect shows it. Internal states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        progress (Progress): How far a run has got; zero before it starts.
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        started_at (datetime.datetime | Unset): An ISO 8601 timestamp in UTC.
        completed_at (datetime.datetime | Unset): An ISO 8601 timestamp in UTC.
        retry_after (int | Unset): Seconds to wait before polling again (2 queued, 5 running); absent once finished.
        error (str | Unset): What went wrong, when the run failed, or why it was cancelled
            (`Cancelled by user`, or `Expired: ...` for a run whose TTL passed
            before it started). PraisonAI's server leaves a cancelled run's
            error null; runyard says why, since two different things end as
            `cancelled`.
        session_id (None | str | Unset): The run's session, as submitted (PraisonAI's status answer carries it too).
        webhook (WebhookDelivery | Unset): The run's webhook (present when it was submitted with `webhook_url`) and how
            its delivery went.
    """

    job_id: str
    status: NativeStatus
    progress: Progress
    created_at: datetime.datetime
    started_at: datetime.datetime | Unset = UNSET
    completed_at: datetime.datetime | Unset = UNSET
    retry_after: int | Unset = UNSET
    error: str | Unset = UNSET
    session_id: None | str | Unset = UNSET
    webhook: WebhookDelivery | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job_id = self.job_id

        status: str = self.status

        progress = self.progress.to_dict()

        created_at = self.created_at.isoformat()

        started_at: str | Unset = UNSET
        if not isinstance(self.started_at, Unset):
            started_at = self.started_at.isoformat()

        completed_at: str | Unset = UNSET
        if not isinstance(self.completed_at, Unset):
            completed_at = self.completed_at.isoformat()

        retry_after = self.retry_after

        error = self.error

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        webhook: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook, Unset):
            webhook = self.webhook.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "status": status,
                "progress": progress,
                "created_at": created_at,
            }
        )
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if retry_after is not UNSET:
            field_dict["retry_after"] = retry_after
        if error is not UNSET:
            field_dict["error"] = error
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if webhook is not UNSET:
            field_dict["webhook"] = webhook

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.progress import Progress  # noqa: PLC0415
        from ..models.webhook_delivery import WebhookDelivery  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        status = check_native_status(d.pop("status"))

        progress = Progress.from_dict(d.pop("progress"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

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

        retry_after = d.pop("retry_after", UNSET)

        error = d.pop("error", UNSET)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        _webhook = d.pop("webhook", UNSET)
        webhook: WebhookDelivery | Unset
        if isinstance(_webhook, Unset):
            webhook = UNSET
        else:
            webhook = WebhookDelivery.from_dict(_webhook)

        run_status = cls(
            job_id=job_id,
            status=status,
            progress=progress,
            created_at=created_at,
            started_at=started_at,
            completed_at=completed_at,
            retry_after=retry_after,
            error=error,
            session_id=session_id,
            webhook=webhook,
        )

        run_status.additional_properties = d
        return run_status

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
