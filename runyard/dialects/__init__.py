"""Dialects: mappings at the edge between the one domain model and each public API."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import pydantic

from runyard.domain import InvalidInput, RunState

Model = TypeVar("Model", bound=pydantic.BaseModel)


def states_shown_as(shown: Mapping[RunState, enum.Enum], statuses: Iterable[str]) -> frozenset[RunState]:
    """Every internal state a dialect shows under any of these statuses; a status it never shows selects none."""
    wanted = set(statuses)
    return frozenset(state for state, status in shown.items() if status.value in wanted)


def parse_model(model: type[Model], data: Any, where: str = "") -> Model:
    """A body (or a part of it, at `where`) read by its generated model. connexion has checked it against
    the contract; whatever the model still refuses is InvalidInput naming where, never a 500."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in (where, *first["loc"]) if p != "" and not str(p).startswith(("function-", "union[")))
        raise InvalidInput(path or "body", f"Invalid {path or 'body'}: {first['msg']}") from None
