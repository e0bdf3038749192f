from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.schedule_overlap import ScheduleOverlap, check_schedule_overlap
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateScheduleRequest")


@_attrs_define
class CreateScheduleRequest:
    """A new schedule; `environment` (admins) says where its runs belong (default the key's environment).

    Attributes:
        job (str): A job's name.
        cron (str): Five fields, minute (0-59), hour (0-23), day of month (1-31 or `L`,
            the last), month (1-12 or JAN-DEC), day of week (0-7, 0 and 7 both
            Sunday, or SUN-SAT; `5L`: the last Friday of the month), each `*`, a
            value, a list, a range or a step (`*/15`, `1-5`).
        timezone (str | Unset): An IANA time zone (`GET /trigger/api/v1/timezones` lists them); daylight saving time is
            followed.
        input_ (Any | Unset): Given to each run in its payload's `input` (any JSON; absent or null, none).
        external_id (None | str | Unset): Your own id for the schedule (a user's, say), given to each run in its
            payload's `externalId`.
        deduplication_key (None | str | Unset): One schedule per key in an environment; creating with a used key updates
            that schedule.
        active (bool | Unset): Whether it fires (false: created inactive). Default: True.
        overlap (ScheduleOverlap | Unset): What a due time does while the schedule's previous run is unfinished:
            `allow` starts another beside it, `skip` fires nothing this time,
            `replace` cancels it and starts anew (TrueFoundry's concurrency policy
            Allow, Forbid, Replace).
        environment (str | Unset): An environment's name. Example: prod.
    """

    job: str
    cron: str
    timezone: str | Unset = UNSET
    input_: Any | Unset = UNSET
    external_id: None | str | Unset = UNSET
    deduplication_key: None | str | Unset = UNSET
    active: bool | Unset = True
    overlap: ScheduleOverlap | Unset = UNSET
    environment: str | Unset = UNSET

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

        deduplication_key: None | str | Unset
        if isinstance(self.deduplication_key, Unset):
            deduplication_key = UNSET
        else:
            deduplication_key = self.deduplication_key

        active = self.active

        overlap: str | Unset = UNSET
        if not isinstance(self.overlap, Unset):
            overlap = self.overlap

        environment = self.environment

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
        if deduplication_key is not UNSET:
            field_dict["deduplication_key"] = deduplication_key
        if active is not UNSET:
            field_dict["active"] = active
        if overlap is not UNSET:
            field_dict["overlap"] = overlap
        if environment is not UNSET:
            field_dict["environment"] = environment

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

        def _parse_deduplication_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        deduplication_key = _parse_deduplication_key(d.pop("deduplication_key", UNSET))

        active = d.pop("active", UNSET)

        _overlap = d.pop("overlap", UNSET)
        overlap: ScheduleOverlap | Unset
        if isinstance(_overlap, Unset):
            overlap = UNSET
        else:
            overlap = check_schedule_overlap(_overlap)

        environment = d.pop("environment", UNSET)

        create_schedule_request = cls(
            job=job,
            cron=cron,
            timezone=timezone,
            input_=input_,
            external_id=external_id,
            deduplication_key=deduplication_key,
            active=active,
            overlap=overlap,
            environment=environment,
        )

        return create_schedule_request
