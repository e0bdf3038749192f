"""What a JSON value must be for runyard to take it: any store can keep it, and nothing recursing
over it runs out of stack. The web layer refuses bodies that break these rules before they are
handled; the service checks a run's input again, whatever dialect decoded it (Trigger.dev's
SuperJSON payloads are JSON text inside JSON)."""

from __future__ import annotations

import math
from typing import Any

MAX_JSON_DEPTH = 64


def _unstorable(text: str) -> str | None:
    """Why no store can keep this string, or None: a NUL character (PostgreSQL refuses it in text and
    JSON alike), or a lone surrogate escape such as \\ud800 (not a character: it has no UTF-8)."""
    if "\x00" in text:
        return "a NUL character (\\u0000)"
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return "a lone surrogate (\\ud800-\\udfff without its pair)"
    return None


def json_problem(body: Any) -> str | None:
    """What makes a parsed body unusable, or None: nesting beyond MAX_JSON_DEPTH, a string or key no
    store can keep (_unstorable), or a number that is not finite (NaN and Infinity are not JSON)."""
    pending: list[tuple[Any, int]] = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if (why := _unstorable(value)) is not None:
                return f"The body holds {why} in a string"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"The body holds {value}, which is not a JSON number"
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"The body nests deeper than {MAX_JSON_DEPTH} levels"
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and (why := _unstorable(key)) is not None:
                    return f"The body holds {why} in a key"
                pending.append((item, depth + 1))
    return None
