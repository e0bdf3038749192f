from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SubmitRunRequest")


@_attrs_define
class SubmitRunRequest:
    """A run to accept.

    Attributes:
        job (str): A job's name.
        input_ (Any | Unset): Any JSON value, handed to the job on stdin.
        session_id (None | str | Unset): Groups runs; list them with `session_id`.
        tags (list[str] | Unset): Labels for finding runs (at most 10, 1-128 characters each).
        idempotency_key (str | Unset): A client-chosen key; the same key (in the same environment) returns the run
            created first.
        delay (int | Unset): Seconds to wait before the run becomes ready.
        ttl (int | Unset): Seconds after it becomes ready within which the run must start, else it expires.
        max_attempts (int | Unset): How many times the run may be attempted (default the job's setting).
    """

    job: str
    input_: Any | Unset = UNSET
    session_id: None | str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    idempotency_key: str | Unset = UNSET
    delay: int | Unset = UNSET
    ttl: int | Unset = UNSET
    max_attempts: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        job = self.job

        input_ = self.input_

        session_id: None | str | Unset
        if isinstance(self.session_id, Unset):
            session_id = UNSET
        else:
            session_id = self.session_id

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        idempotency_key = self.idempotency_key

        delay = self.delay

        ttl = self.ttl

        max_attempts = self.max_attempts

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "job": job,
            }
        )
        if input_ is not UNSET:
            field_dict["input"] = input_
        if session_id is not UNSET:
            field_dict["session_id"] = session_id
        if tags is not UNSET:
            field_dict["tags"] = tags
        if idempotency_key is not UNSET:
            field_dict["idempotency_key"] = idempotency_key
        if delay is not UNSET:
            field_dict["delay"] = delay
        if ttl is not UNSET:
            field_dict["ttl"] = ttl
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        job = d.pop("job")

        input_ = d.pop("input", UNSET)

        def _parse_session_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        session_id = _parse_session_id(d.pop("session_id", UNSET))

        tags = cast(list[str], d.pop("tags", UNSET))

        idempotency_key = d.pop("idempotency_key", UNSET)

        delay = d.pop("delay", UNSET)

        ttl = d.pop("ttl", UNSET)

        max_attempts = d.pop("max_attempts", UNSET)

        submit_run_request = cls(
            job=job,
            input_=input_,
            session_id=session_id,
            tags=tags,
            idempotency_key=idempotency_key,
            delay=delay,
            ttl=ttl,
            max_attempts=max_attempts,
        )

        return submit_run_request
