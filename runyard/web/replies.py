"""What handlers hand back to connexion, and the raw responses error mappers build."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from connexion.lifecycle import ConnexionResponse
from pydantic import BaseModel

from runyard.domain import StoreUnavailable

# (body, status, headers): connexion serialises the body with the operation's media type.
Reply = tuple[dict[str, Any], int, dict[str, str]]

JSON = "application/json"


def reply(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer from a generated model. The content type is named because operations also document problem+json."""
    # exclude_unset: fields the mapping left out stay out (never sent as null).
    return model.model_dump(mode="json", exclude_unset=True), status, {"Content-Type": JSON, **(headers or {})}


def body_reply(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer built as a dict (where no generated model fits it), as `reply` answers a model."""
    return body, status, {"Content-Type": JSON, **(headers or {})}


def no_content() -> ConnexionResponse:
    return ConnexionResponse(status_code=204)


def json_response(status: int, body: dict[str, Any], media_type: str = JSON, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, content_type=media_type, headers=headers or {}, body=json.dumps(body))


def unavailable_headers(error: StoreUnavailable) -> dict[str, str]:
    """A 503's headers in every dialect: when to ask again."""
    return {"Retry-After": str(error.retry_after_seconds)}


@dataclass(frozen=True)
class ErrorContext:
    """What an error mapper may need of the request besides the error itself."""

    method: str
    path: str
    allow: str  # the methods the spec documents for the path (for 405)
