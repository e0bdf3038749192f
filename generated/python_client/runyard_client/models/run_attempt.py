from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_state import RunState, check_run_state

T = TypeVar("T", bound="RunAttempt")


@_attrs_define
class RunAttempt:
    """One attempt of a run (runyard extension).

    Attributes:
        number (int): 1 for the first attempt, and one more for each retry.
        worker (None | str): The id of the worker that ran it (`<host>:<pid>:<random>`).
        started_at (datetime.datetime): An ISO 8601 timestamp in UTC.
        ended_at (datetime.datetime | None): When it ended; null while it runs.
        state (None | RunState): The run's internal state as the attempt ended: `retrying` (it failed and
            the run will be tried again), `queued` (its worker stopped renewing the
            lease; the run was queued again), or the run's final state. Null while it runs.
        exit_code (int | None): The process's exit code, when it exited.
        error (None | str): What went wrong in this attempt, if anything did.
    """

    number: int
    worker: None | str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    state: None | RunState
    exit_code: int | None
    error: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        number = self.number

        worker: None | str
        worker = self.worker

        started_at = self.started_at.isoformat()

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        state: None | str
        if isinstance(self.state, str):
            state = self.state
        else:
            state = self.state

        exit_code: int | None
        exit_code = self.exit_code

        error: None | str
        error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "worker": worker,
                "started_at": started_at,
                "ended_at": ended_at,
                "state": state,
                "exit_code": exit_code,
                "error": error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        number = d.pop("number")

        def _parse_worker(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        worker = _parse_worker(d.pop("worker"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))

        def _parse_state(data: object) -> None | RunState:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_0 = check_run_state(data)

                return state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunState, data)

        state = _parse_state(d.pop("state"))

        def _parse_exit_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        exit_code = _parse_exit_code(d.pop("exit_code"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        run_attempt = cls(
            number=number,
            worker=worker,
            started_at=started_at,
            ended_at=ended_at,
            state=state,
            exit_code=exit_code,
            error=error,
        )

        run_attempt.additional_properties = d
        return run_attempt

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
