from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_version_definition import JobVersionDefinition


T = TypeVar("T", bound="JobVersion")


@_attrs_define
class JobVersion:
    """One version of a job's definition.

    Attributes:
        version (int):
        created_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        definition (JobVersionDefinition): A job's definition as one of its versions had it (the Job schema without its
            times).
    """

    version: int
    created_at: datetime.datetime
    definition: JobVersionDefinition
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        created_at = self.created_at.isoformat()

        definition = self.definition.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "created_at": created_at,
                "definition": definition,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_version_definition import JobVersionDefinition  # noqa: PLC0415

        d = dict(src_dict)
        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        definition = JobVersionDefinition.from_dict(d.pop("definition"))

        job_version = cls(
            version=version,
            created_at=created_at,
            definition=definition,
        )

        job_version.additional_properties = d
        return job_version

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
