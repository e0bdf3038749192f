from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryPolicy")


@_attrs_define
class RetryPolicy:
    """Backoff between attempts, initial_seconds * factor ^ (attempt - 1), capped at max_seconds.

    Attributes:
        initial_seconds (float | Unset):  Default: 1.0.
        factor (float | Unset):  Default: 2.0.
        max_seconds (float | Unset):  Default: 60.0.
    """

    initial_seconds: float | Unset = 1.0
    factor: float | Unset = 2.0
    max_seconds: float | Unset = 60.0

    def to_dict(self) -> dict[str, Any]:
        initial_seconds = self.initial_seconds

        factor = self.factor

        max_seconds = self.max_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if initial_seconds is not UNSET:
            field_dict["initial_seconds"] = initial_seconds
        if factor is not UNSET:
            field_dict["factor"] = factor
        if max_seconds is not UNSET:
            field_dict["max_seconds"] = max_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        initial_seconds = d.pop("initial_seconds", UNSET)

        factor = d.pop("factor", UNSET)

        max_seconds = d.pop("max_seconds", UNSET)

        retry_policy = cls(
            initial_seconds=initial_seconds,
            factor=factor,
            max_seconds=max_seconds,
        )

        return retry_policy
