from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.schedule_overlap import ScheduleOverlap, check_schedule_overlap
from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateScheduleRequest")


@_attrs_define
class UpdateScheduleRequest:
    """
    Attributes:
        job (str): A job's name.
        cron (str): Five fields, minute (0-59), hour (0-23), day of month (1-31 or `L`,
            the last), month (1-12 or JAN-DEC), day of week (0-7, 0 and 7 both
            Sunday, or SUN-SAT; `5L`: the last Friday of the month), each `*`, a
            value, a list, a range or a step (`*/15`, `1-5`).
        timezone (str | Unset): An IANA time zone (`GET /trigger/api/v1/timezones` lists them); daylight saving time is
            followed.
        input_ (Any | Unset): Given to each run in its payload's `input` (absent or null keeps the current one).
        external_id (None | str | Unset): Your own id for the schedule (absent or null, none).
        overlap (ScheduleOverlap | Unset): What a due time does while the schedule's previous run is unfinished:
            `allow` starts another beside it, `skip` fires nothing this time,
            `replace` cancels it and starts anew (TrueFoundry's concurrency policy
            Allow, Forbid, Replace).
    """

    job: str
    cron: str
    timezone: str | Unset = UNSET
    input_: Any | Unset = UNSET
    external_id: None | str | Unset = UNSET
    overlap: ScheduleOverlap | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        job = self.job

        cron = self.cron

        timezone = self.timezone

        input_ = self.input_

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        overlap: str | Unset = UNSET
        if not isinstance(self.overlap, Unset):
            overlap = self.overlap

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "job": job,
                "cron": cron,
            }
        )
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if input_ is not UNSET:
            field_dict["input"] = input_
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if overlap is not UNSET:
            field_dict["overlap"] = overlap

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job = d.pop("job")

        cron = d.pop("cron")

        timezone = d.pop("timezone", UNSET)

        input_ = d.pop("input", UNSET)

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        _overlap = d.pop("overlap", UNSET)
        overlap: ScheduleOverlap | Unset
        if isinstance(_overlap, Unset):
            overlap = UNSET
        else:
            overlap = check_schedule_overlap(_overlap)

        update_schedule_request = cls(
            job=job,
            cron=cron,
            timezone=timezone,
            input_=input_,
            external_id=external_id,
            overlap=overlap,
        )

        return update_schedule_request
