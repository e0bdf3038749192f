"""Every error an operation ends in, handed to the error mapper of the dialect whose path it is.

connexion's own (routing, validation, auth) and the core's (RunyardError) alike: each dialect
words both its way (runyard.dialects.<dialect>.error_response).
"""

from __future__ import annotations

from collections.abc import Callable

from connexion.exceptions import BadRequestProblem, ProblemException, Unauthorized
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware.main import ConnexionMiddleware
from starlette.exceptions import HTTPException

from runyard.dialects import native, trigger, truefoundry
from runyard.domain import RunyardError
from runyard.web.replies import ErrorContext

ErrorMapper = Callable[[Exception, ErrorContext], ConnexionResponse]

# The first prefix a path starts with names its dialect; everything else is native.
DIALECTS: tuple[tuple[str, ErrorMapper], ...] = (
    ("/trigger/", trigger.error_response),
    ("/api/svc/", truefoundry.error_response),
)


def mapper_for(path: str) -> ErrorMapper:
    return next((mapper for prefix, mapper in DIALECTS if path.startswith(prefix)), native.error_response)


def register(app: ConnexionMiddleware, allowed: Callable[[str], str]) -> None:
    """Route every error connexion and the core raise to the path's dialect.

    `allowed(path)` names every method the spec documents for the path: connexion routes
    each operation separately, so its own 405 names only the methods of one of them.
    """

    def handle(request: ConnexionRequest, error: Exception) -> ConnexionResponse:
        path = request.url.path
        return mapper_for(path)(error, ErrorContext(method=request.method, path=path, allow=allowed(path)))

    for kind in (RunyardError, BadRequestProblem, Unauthorized, ProblemException, HTTPException, 404, 405):
        app.add_error_handler(kind, handle)
