"""Turning generated models into connexion answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from generated import models as m


def body(model: BaseModel) -> dict[str, Any]:
    # exclude_unset: fields the mapping left out stay out (never sent as null).
    return model.model_dump(mode="json", exclude_unset=True)


JSON = {"Content-Type": "application/json"}

Answer = tuple[dict[str, Any], int, dict[str, str]] | Any


def ok(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A JSON answer. The content type is named because operations also document problem+json."""
    return body(model), status, {**JSON, **(headers or {})}


def native_error(status: int, detail: str, headers: dict[str, str] | None = None) -> tuple[dict[str, Any], int, dict[str, str]]:
    return ok(m.NativeError(detail=detail), status, headers)
