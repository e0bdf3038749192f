"""What the errors connexion raises itself (routing, validation, auth) say, for the dialects' error mappers to word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, Unauthorized

from runyard.web.replies import ErrorContext
from runyard.web.validation import ParameterProblem

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
}
_EXTRA = re.compile(r"Extra (\w+) parameter\(s\) (.+) not in spec")


def problem_parts(error: Exception, context: ErrorContext) -> tuple[int, str, str]:
    """(status, title, detail) of an error that is not the core's: the status connexion chose."""
    status = 401 if isinstance(error, Unauthorized) else int(getattr(error, "status_code", 500))
    if status == 405:
        return 405, _TITLES[405], f"{context.method} is not allowed here; allowed: {context.allow}"
    detail = str(getattr(error, "detail", "") or error)
    title = getattr(error, "title", None) or _TITLES.get(status, "Error")
    return status, str(title), detail


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a request: the parameter (None: the request as a whole) and what."""

    code: str
    message: str
    parameter: str | None


def issues(error: BadRequestProblem) -> list[Issue]:
    """The issues in a 400 connexion raised, one per parameter where it names them."""
    if isinstance(error, ParameterProblem):
        return [Issue("custom", str(error.detail), error.parameter)]
    match = _EXTRA.match(str(error.detail))
    if isinstance(error, ExtraParameterProblem) and match:
        names = [n.strip() for n in match.group(2).split(",")]
        return [Issue("unrecognized_keys", f"Unknown parameter {n!r}", n) for n in names]
    return [Issue("custom", str(error.detail), None)]
