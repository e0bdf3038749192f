"""Answers encoded with orjson, through connexion's public `jsonifier`.

connexion serialises every JSON answer with its Jsonifier (the standard library's encoder and a
class of its own for dates); orjson does the same work in C, several times faster on a run's
answer. What orjson cannot encode as the standard library does (an integer past 64 bits in a run's
input or result, a lone surrogate in a string) falls back to connexion's encoder, so every answer
that encoded before still does, to the same JSON value.
"""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from connexion.jsonifier import Jsonifier

# Keys that are not strings (an int key in a result) become strings, as the standard library does;
# dates go to `_default`, which spells them as connexion does.
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_APPEND_NEWLINE
# A list page's (web/replies.page_reply): the same, but datetimes written by orjson itself, an aware
# UTC datetime as pydantic writes it (`Z`, microseconds only when there are some).
PAGE_OPTIONS = (_OPTIONS & ~orjson.OPT_PASSTHROUGH_DATETIME) | orjson.OPT_UTC_Z


class Encoded(bytes):
    """An answer's JSON, encoded already (encode_page): FastJsonifier sends it as it is."""


def encode_page(body: Any) -> Encoded:
    """A list page built as JSON-ready values; orjson.JSONEncodeError for what orjson cannot encode."""
    return Encoded(orjson.dumps(body, option=PAGE_OPTIONS))


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat("T") if value.tzinfo else value.isoformat("T") + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class FastJsonifier(Jsonifier):  # type: ignore[misc]  # connexion ships no type information
    def dumps(self, data: Any, **kwargs: Any) -> bytes | str:
        if isinstance(data, Encoded):  # a list page, encoded by encode_page
            return data
        if kwargs:
            return str(super().dumps(data, **kwargs))
        try:
            return orjson.dumps(data, default=_default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return str(super().dumps(data))
