from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.schedule_overlap import ScheduleOverlap, check_schedule_overlap

T = TypeVar("T", bound="Schedule")


@_attrs_define
class Schedule:
    """A cron schedule of a job in an environment.

    Attributes:
        id (str): `sched_` followed by a time-sortable id.
        job (str): A job's name.
        cron (str): The cron expression.
        description (str): The expression in words.
        timezone (str): The IANA time zone its times are read in.
        input_ (Any): What each run's payload carries as `input` (null: none).
        external_id (None | str):
        deduplication_key (None | str):
        active (bool):
        overlap (ScheduleOverlap): What a due time does while the schedule's previous run is unfinished:
            `allow` starts another beside it, `skip` fires nothing this time,
            `replace` cancels it and starts anew (TrueFoundry's concurrency policy
            Allow, Forbid, Replace).
        environment (str): An environment's name. Example: prod.
        declarative (bool): Declared on a job in the jobs file (`schedule = ...` in runyard.toml): changed there, not
            through the API.
        next_run_at (datetime.datetime | None): The next due time (null while inactive).
        last_run_at (datetime.datetime | None): The last due time it fired for (null: never).
        upcoming (list[datetime.datetime]): The next five due times, in UTC (none while inactive).
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        updated_at (datetime.datetime): An ISO 8601 timestamp in UTC.
    """

    id: str
    job: str
    cron: str
    description: str
    timezone: str
    input_: Any
    external_id: None | str
    deduplication_key: None | str
    active: bool
    overlap: ScheduleOverlap
    environment: str
    declarative: bool
    next_run_at: datetime.datetime | None
    last_run_at: datetime.datetime | None
    upcoming: list[datetime.datetime]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        job = self.job

        cron = self.cron

        description = self.description

        timezone = self.timezone

        input_ = self.input_

        external_id: None | str
        external_id = self.external_id

        deduplication_key: None | str
        deduplication_key = self.deduplication_key

        active = self.active

        overlap: str = self.overlap

        environment = self.environment

        declarative = self.declarative

        next_run_at: None | str
        if isinstance(self.next_run_at, datetime.datetime):
            next_run_at = self.next_run_at.isoformat()
        else:
            next_run_at = self.next_run_at

        last_run_at: None | str
        if isinstance(self.last_run_at, datetime.datetime):
            last_run_at = self.last_run_at.isoformat()
        else:
            last_run_at = self.last_run_at

        upcoming = []
        for upcoming_item_data in self.upcoming:
            upcoming_item = upcoming_item_data.isoformat()
            upcoming.append(upcoming_item)

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "job": job,
                "cron": cron,
                "description": description,
                "timezone": timezone,
                "input": input_,
                "external_id": external_id,
                "deduplication_key": deduplication_key,
                "active": active,
                "overlap": overlap,
                "environment": environment,
                "declarative": declarative,
                "next_run_at": next_run_at,
                "last_run_at": last_run_at,
                "upcoming": upcoming,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        job = d.pop("job")

        cron = d.pop("cron")

        description = d.pop("description")

        timezone = d.pop("timezone")

        input_ = d.pop("input")

        def _parse_external_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        external_id = _parse_external_id(d.pop("external_id"))

        def _parse_deduplication_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deduplication_key = _parse_deduplication_key(d.pop("deduplication_key"))

        active = d.pop("active")

        overlap = check_schedule_overlap(d.pop("overlap"))

        environment = d.pop("environment")

        declarative = d.pop("declarative")

        def _parse_next_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_run_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_run_at = _parse_next_run_at(d.pop("next_run_at"))

        def _parse_last_run_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_run_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_run_at = _parse_last_run_at(d.pop("last_run_at"))

        upcoming = []
        _upcoming = d.pop("upcoming")
        for upcoming_item_data in _upcoming:
            upcoming_item = datetime.datetime.fromisoformat(upcoming_item_data)

            upcoming.append(upcoming_item)

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        schedule = cls(
            id=id,
            job=job,
            cron=cron,
            description=description,
            timezone=timezone,
            input_=input_,
            external_id=external_id,
            deduplication_key=deduplication_key,
            active=active,
            overlap=overlap,
            environment=environment,
            declarative=declarative,
            next_run_at=next_run_at,
            last_run_at=last_run_at,
            upcoming=upcoming,
            created_at=created_at,
            updated_at=updated_at,
        )

        schedule.additional_properties = d
        return schedule

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
