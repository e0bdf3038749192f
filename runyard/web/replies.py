"""What handlers hand back to connexion, and the raw responses error mappers build."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import orjson
from connexion.lifecycle import ConnexionResponse
from pydantic import BaseModel

from runyard.domain import StoreUnavailable
from runyard.web.encoding import Encoded, encode_page

# (body, status, headers): connexion serialises the body with the operation's media type.
Reply = tuple["dict[str, Any] | Encoded", int, dict[str, str]]

JSON = "application/json"


def reply(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer from a generated model. The content type is named because operations also document problem+json."""
    # exclude_unset: fields the mapping left out stay out (never sent as null).
    return model.model_dump(mode="json", exclude_unset=True), status, {"Content-Type": JSON, **(headers or {})}


def body_reply(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer built as a dict (where no generated model fits it), as `reply` answers a model."""
    return body, status, {"Content-Type": JSON, **(headers or {})}


# Set by the test suite (tests/conftest.py), for every in-process app and every server it starts.
CHECK_PAGES = os.environ.get("RUNYARD_CHECK_PAGES") == "1"


class PageMismatch(AssertionError):
    """A list page encoded differently from its generated model's answer (RUNYARD_CHECK_PAGES=1 only)."""


def page_reply(model: type[BaseModel], body: dict[str, Any]) -> Reply:
    """A list page, built by its dialect as JSON-ready values (text, numbers, booleans, None, lists,
    dicts, enums, aware UTC datetimes), encoded at once without the round trip through `model`:
    validating and dumping a page of 20 runs took 140 µs of the ~700 µs of CPU a Trigger.dev list
    request took. `model`'s answer is what the page must be, byte for byte; with
    RUNYARD_CHECK_PAGES=1, as the whole test suite runs, every page is also sent through `model` and
    a page that differs fails its request. A value orjson cannot encode (an integer past 64 bits in a
    run's metadata) takes `model`'s path, as every answer did before."""
    try:
        encoded = encode_page(body)
    except orjson.JSONEncodeError:
        return reply(model.model_validate(body))
    if CHECK_PAGES:
        _check_page(model, body, encoded)
    return encoded, 200, {"Content-Type": JSON}


def _check_page(model: type[BaseModel], body: dict[str, Any], encoded: bytes) -> None:
    expected = encode_page(model.model_validate(body).model_dump(mode="json", exclude_unset=True))
    if encoded != expected:
        raise PageMismatch(f"{model.__name__} page differs from its model's answer:\n{encoded[:2000]!r}\n{expected[:2000]!r}")


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
