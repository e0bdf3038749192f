"""JSON columns as the drivers hand them over (SQLite as text, psycopg as bytes), decoded as the
standard library decodes them.

orjson decodes the same text to the same value several times faster, with these exceptions: an
integer past 64 bits becomes a float, and NaN, Infinity or a lone surrogate are refused. Text
with 19 digits in a row (every integer past 64 bits has them) goes to the standard decoder, and so
does whatever orjson refuses. On a Trigger.dev list page of 20 whole runs this was a tenth of
the request's CPU (bench.layers).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_NUMBER = re.compile(r"[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(rb"[0-9]{19}")


def loads(text: str | bytes) -> Any:
    long_number = _LONG_NUMBER_BYTES if isinstance(text, bytes) else _LONG_NUMBER
    if long_number.search(text) is None:  # type: ignore[arg-type]  # the pattern is of the text's type
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)
