from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="NativeUnauthorizedError")


@_attrs_define
class NativeUnauthorizedError:
    """The native dialect's 401, PraisonAI's shape with what was wrong.

    Attributes:
        error (Literal['Unauthorized']):
        detail (str): What was wrong with the request's key.
    """

    error: Literal["Unauthorized"]
    detail: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        error = self.error

        detail = self.detail

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "error": error,
                "detail": detail,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        error = cast(Literal["Unauthorized"], d.pop("error"))
        if error != "Unauthorized":
            raise ValueError(f"error must match const 'Unauthorized', got '{error}'")

        detail = d.pop("detail")

        native_unauthorized_error = cls(
            error=error,
            detail=detail,
        )

        native_unauthorized_error.additional_properties = d
        return native_unauthorized_error

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
