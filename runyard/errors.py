"""Errors connexion raises itself (routing, validation, auth), worded as each dialect documents them.

Under /trigger they take Trigger.dev's shapes (`{error}` and ErrorWithDetailsResponse);
under /api/svc TrueFoundry's HttpError (validation answered 422, as TrueFoundry does);
elsewhere they are RFC 9457 `application/problem+json`, as the spec says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from connexion.exceptions import BadRequestProblem, ExtraParameterProblem, ProblemException, Unauthorized
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from runyard.validation import ParameterProblem

TRIGGER_PREFIX = "/trigger/"
TRUEFOUNDRY_PREFIX = "/api/svc/"


def _http_error(status: int, message: str, **extra: Any) -> ConnexionResponse:
    return _json(status, {"statusCode": status, "message": message, **extra})
_EXTRA = re.compile(r"Extra (\w+) parameter\(s\) (.+) not in spec")


def _json(status: int, body: dict[str, Any], media_type: str = "application/json", headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(status_code=status, content_type=media_type, headers=headers or {}, body=json.dumps(body))


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> ConnexionResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return _json(status, body, "application/problem+json", headers)


def _trigger_details(exc: BadRequestProblem) -> list[dict[str, Any]]:
    if isinstance(exc, ParameterProblem):
        return [{"code": "custom", "message": exc.detail, "path": [exc.parameter]}]
    match = _EXTRA.match(str(exc.detail))
    if isinstance(exc, ExtraParameterProblem) and match:
        names = [n.strip() for n in match.group(2).split(",")]
        return [{"code": "unrecognized_keys", "message": f"Unknown parameter {n!r}", "path": [n]} for n in names]
    return [{"code": "custom", "message": str(exc.detail), "path": []}]


def bad_request(request: ConnexionRequest, exc: BadRequestProblem) -> ConnexionResponse:
    if request.url.path.startswith(TRIGGER_PREFIX):
        label = "Query Error" if request.method == "GET" else "Invalid request"
        return _json(400, {"error": label, "details": _trigger_details(exc)})
    if request.url.path.startswith(TRUEFOUNDRY_PREFIX):
        # TrueFoundry answers missing or invalid values with 422 and details.
        details = [{"parameter": d["path"][0] if d["path"] else None, "message": d["message"]} for d in _trigger_details(exc)]
        return _http_error(422, str(exc.detail), code="VALIDATION_ERROR", details=details)
    return _problem(exc.status_code, exc.title, str(exc.detail))


def unauthorized(request: ConnexionRequest, exc: Unauthorized) -> ConnexionResponse:
    if request.url.path.startswith(TRIGGER_PREFIX):
        return _json(401, {"error": "Invalid or Missing API key"})
    if request.url.path.startswith(TRUEFOUNDRY_PREFIX):
        return _http_error(401, "Missing or invalid API key")
    return _problem(401, "Unauthorized", str(exc.detail))


def other_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """404, 415 and the like: the status connexion chose, in the dialect's shape."""
    status = getattr(exc, "status_code", 500)
    detail = str(getattr(exc, "detail", "") or exc)
    if request.url.path.startswith(TRIGGER_PREFIX):
        return _json(status, {"error": "Not found" if status == 404 else detail})
    if request.url.path.startswith(TRUEFOUNDRY_PREFIX):
        return _http_error(status, "Not found" if status == 404 else detail)
    title = getattr(exc, "title", None) or {404: "Not Found", 415: "Unsupported Media Type"}.get(status, "Error")
    return _problem(status, title, detail)


def method_not_allowed(allowed: Callable[[str], str]) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    """405 with an `Allow` header naming every method the spec documents for the path.

    connexion routes each operation separately, so its own 405 names only the
    methods of one operation of the path.
    """

    def handle(request: ConnexionRequest, _exc: Exception) -> ConnexionResponse:
        allow = allowed(request.url.path)
        detail = f"{request.method} is not allowed here; allowed: {allow}"
        if request.url.path.startswith(TRIGGER_PREFIX):
            return _json(405, {"error": detail}, headers={"Allow": allow})
        if request.url.path.startswith(TRUEFOUNDRY_PREFIX):
            return _json(405, {"statusCode": 405, "message": detail}, headers={"Allow": allow})
        return _problem(405, "Method Not Allowed", detail, {"Allow": allow})

    return handle


def register(app: Any, allowed: Callable[[str], str]) -> None:
    app.add_error_handler(BadRequestProblem, bad_request)
    app.add_error_handler(Unauthorized, unauthorized)
    app.add_error_handler(405, method_not_allowed(allowed))
    app.add_error_handler(404, other_problem)
    app.add_error_handler(ProblemException, other_problem)
    app.add_error_handler(HTTPException, other_problem)
