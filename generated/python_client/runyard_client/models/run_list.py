from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.run_list_item import RunListItem


T = TypeVar("T", bound="RunList")


@_attrs_define
class RunList:
    """A page of runs.

    Attributes:
        jobs (list[RunListItem]):
        total (int): Total number of runs matching the filter.
        page (int): Current page number.
        page_size (int): Number of runs per page.
        next_cursor (None | str): Pass it as `cursor` (with the same filters) for the runs after this
            page; null when no run lies beyond it (runyard extension).
    """

    jobs: list[RunListItem]
    total: int
    page: int
    page_size: int
    next_cursor: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        total = self.total

        page = self.page

        page_size = self.page_size

        next_cursor: None | str
        next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jobs": jobs,
                "total": total,
                "page": page,
                "page_size": page_size,
                "next_cursor": next_cursor,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.run_list_item import RunListItem  # noqa: PLC0415

        d = dict(src_dict)
        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = RunListItem.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        total = d.pop("total")

        page = d.pop("page")

        page_size = d.pop("page_size")

        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))

        run_list = cls(
            jobs=jobs,
            total=total,
            page=page,
            page_size=page_size,
            next_cursor=next_cursor,
        )

        run_list.additional_properties = d
        return run_list

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
