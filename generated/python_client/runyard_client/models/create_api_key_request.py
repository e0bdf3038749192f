from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApiKeyRequest")


@_attrs_define
class CreateApiKeyRequest:
    """
    Attributes:
        environment (str): An environment's name. Example: prod.
        admin (bool | Unset): An admin key (sees every environment, defines jobs, manages keys). Default: False.
        expires_in (str | Unset): Refuse the key after this long (`90d`, `12h`, `2w`, `1h30m`: up to
            four parts of 1 to 9999 weeks, days, hours, minutes or seconds);
            absent, never.
    """

    environment: str
    admin: bool | Unset = False
    expires_in: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        environment = self.environment

        admin = self.admin

        expires_in = self.expires_in

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "environment": environment,
            }
        )
        if admin is not UNSET:
            field_dict["admin"] = admin
        if expires_in is not UNSET:
            field_dict["expires_in"] = expires_in

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        environment = d.pop("environment")

        admin = d.pop("admin", UNSET)

        expires_in = d.pop("expires_in", UNSET)

        create_api_key_request = cls(
            environment=environment,
            admin=admin,
            expires_in=expires_in,
        )

        return create_api_key_request
