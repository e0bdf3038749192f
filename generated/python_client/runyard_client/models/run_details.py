from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.native_status import NativeStatus, check_native_status
from ..models.run_state import RunState, check_run_state
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.progress import Progress
    from ..models.run_details_metadata_type_0 import RunDetailsMetadataType0
    from ..models.webhook_delivery import WebhookDelivery


T = TypeVar("T", bound="RunDetails")


@_attrs_define
class RunDetails:
    """Everything about one run (runyard extension).

    Attributes:
        job_id (str): Unique run identifier.
        name (None | str): The run's readable name, `<job>-<n>` (unique per job).
        job (str): The job the run runs.
        job_version (int | None): The version of the job's definition the run was submitted against (see GET
            /api/v1/jobs/{name}/versions).
        environment (str): The name of the run's environment.
        status (NativeStatus): A run's status as the native dialect shows it. Internal states map as:
            delayed, queued, retrying -> queued; running, cancelling -> running;
            succeeded -> succeeded; failed, timed_out, crashed, system_failure ->
            failed; cancelled, expired -> cancelled.
        state (RunState): A run's internal state (runyard's own; `status` shows it as one of
            the five native statuses, see NativeStatus).
        session_id (None | str):
        tags (list[str]):
        input_ (Any): The run's input, as submitted (any JSON, or null).
        result (Any): The JSON the job reported as its result, or null.
        error (None | str): What went wrong in the last attempt that failed, or why the run was cancelled.
        exit_code (int | None): The exit code of the last attempt that ended.
        attempt (int): The attempt running or last run (0 before the first).
        max_attempts (int):
        progress (Progress): How far a run has got; zero before it starts.
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        started_at (datetime.datetime | None): When the latest attempt started.
        completed_at (datetime.datetime | None): When the run finished.
        updated_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        delayed_until (datetime.datetime | None): When a delayed run becomes ready.
        duration_seconds (float | None): Seconds spent executing, summed over the attempts that have ended (as the
            result's); null until one has.
        metadata (None | RunDetailsMetadataType0): The run's metadata (Trigger.dev's; set by the job's `::metadata`
            lines).
        schedule_id (None | str): The schedule that fired the run, if one did.
        batch_id (None | str): The batch the run was triggered in, if any.
        priority (int): Claim order among ready runs (higher first).
        queue (None | str): The queue whose limit applies to the run, if any.
        triggered_by (None | str): The id of the API key that submitted the run, if one did.
        webhook (WebhookDelivery | Unset): The run's webhook (present when it was submitted with `webhook_url`) and how
            its delivery went.
    """

    job_id: str
    name: None | str
    job: str
    job_version: int | None
    environment: str
    status: NativeStatus
    state: RunState
    session_id: None | str
    tags: list[str]
    input_: Any
    result: Any
    error: None | str
    exit_code: int | None
    attempt: int
    max_attempts: int
    progress: Progress
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    completed_at: datetime.datetime | None
    updated_at: datetime.datetime
    delayed_until: datetime.datetime | None
    duration_seconds: float | None
    metadata: None | RunDetailsMetadataType0
    schedule_id: None | str
    batch_id: None | str
    priority: int
    queue: None | str
    triggered_by: None | str
    webhook: WebhookDelivery | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.run_details_metadata_type_0 import RunDetailsMetadataType0  # noqa: PLC0415

        job_id = self.job_id

        name: None | str
        name = self.name

        job = self.job

        job_version: int | None
        job_version = self.job_version

        environment = self.environment

        status: str = self.status

        state: str = self.state

        session_id: None | str
        session_id = self.session_id

        tags = self.tags

        input_ = self.input_

        result = self.result

        error: None | str
        error = self.error

        exit_code: int | None
        exit_code = self.exit_code

        attempt = self.attempt

        max_attempts = self.max_attempts

        progress = self.progress.to_dict()

        created_at = self.created_at.isoformat()

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        completed_at: None | str
        if isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        updated_at = self.updated_at.isoformat()

        delayed_until: None | str
        if isinstance(self.delayed_until, datetime.datetime):
            delayed_until = self.delayed_until.isoformat()
        else:
            delayed_until = self.delayed_until

        duration_seconds: float | None
        duration_seconds = self.duration_seconds

        metadata: dict[str, Any] | None
        if isinstance(self.metadata, RunDetailsMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        schedule_id: None | str
        schedule_id = self.schedule_id

        batch_id: None | str
        batch_id = self.batch_id

        priority = self.priority

        queue: None | str
        queue = self.queue

        triggered_by: None | str
        triggered_by = self.triggered_by

        webhook: dict[str, Any] | Unset = UNSET
        if not isinstance(self.webhook, Unset):
            webhook = self.webhook.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job_id": job_id,
                "name": name,
                "job": job,
                "job_version": job_version,
                "environment": environment,
                "status": status,
                "state": state,
                "session_id": session_id,
                "tags": tags,
                "input": input_,
                "result": result,
                "error": error,
                "exit_code": exit_code,
                "attempt": attempt,
                "max_attempts": max_attempts,
                "progress": progress,
                "created_at": created_at,
                "started_at": started_at,
                "completed_at": completed_at,
                "updated_at": updated_at,
                "delayed_until": delayed_until,
                "duration_seconds": duration_seconds,
                "metadata": metadata,
                "schedule_id": schedule_id,
                "batch_id": batch_id,
                "priority": priority,
                "queue": queue,
                "triggered_by": triggered_by,
            }
        )
        if webhook is not UNSET:
            field_dict["webhook"] = webhook

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.progress import Progress  # noqa: PLC0415
        from ..models.run_details_metadata_type_0 import RunDetailsMetadataType0  # noqa: PLC0415
        from ..models.webhook_delivery import WebhookDelivery  # noqa: PLC0415

        d = dict(src_dict)
        job_id = d.pop("job_id")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        job = d.pop("job")

        def _parse_job_version(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        job_version = _parse_job_version(d.pop("job_version"))

        environment = d.pop("environment")

        status = check_native_status(d.pop("status"))

        state = check_run_state(d.pop("state"))

        def _parse_session_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        session_id = _parse_session_id(d.pop("session_id"))

        tags = cast(list[str], d.pop("tags"))

        input_ = d.pop("input")

        result = d.pop("result")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        attempt = d.pop("attempt")

        max_attempts = d.pop("max_attempts")

        progress = Progress.from_dict(d.pop("progress"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))

        def _parse_completed_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        completed_at = _parse_completed_at(d.pop("completed_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_delayed_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                delayed_until_type_0 = datetime.datetime.fromisoformat(data)

                return delayed_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        delayed_until = _parse_delayed_until(d.pop("delayed_until"))

        def _parse_duration_seconds(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        duration_seconds = _parse_duration_seconds(d.pop("duration_seconds"))

        def _parse_metadata(data: object) -> None | RunDetailsMetadataType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = RunDetailsMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunDetailsMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata"))

        def _parse_schedule_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        schedule_id = _parse_schedule_id(d.pop("schedule_id"))

        def _parse_batch_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        batch_id = _parse_batch_id(d.pop("batch_id"))

        priority = d.pop("priority")

        def _parse_queue(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        queue = _parse_queue(d.pop("queue"))

        def _parse_triggered_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        triggered_by = _parse_triggered_by(d.pop("triggered_by"))

        _webhook = d.pop("webhook", UNSET)
        webhook: WebhookDelivery | Unset
        if isinstance(_webhook, Unset):
            webhook = UNSET
        else:
            webhook = WebhookDelivery.from_dict(_webhook)

        run_details = cls(
            job_id=job_id,
            name=name,
            job=job,
            job_version=job_version,
            environment=environment,
            status=status,
            state=state,
            session_id=session_id,
            tags=tags,
            input_=input_,
            result=result,
            error=error,
            exit_code=exit_code,
            attempt=attempt,
            max_attempts=max_attempts,
            progress=progress,
            created_at=created_at,
            started_at=started_at,
            completed_at=completed_at,
            updated_at=updated_at,
            delayed_until=delayed_until,
            duration_seconds=duration_seconds,
            metadata=metadata,
            schedule_id=schedule_id,
            batch_id=batch_id,
            priority=priority,
            queue=queue,
            triggered_by=triggered_by,
            webhook=webhook,
        )

        run_details.additional_properties = d
        return run_details

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
