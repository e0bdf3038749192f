"""A check the whole suite runs: every request that runyard hands over to its handler
(runyard.web.operations.HandOver) is also handed over by connexion's own `prep_kwargs`, and the
two must agree, or the request fails (a 500 that the test sees)."""

from __future__ import annotations

from typing import Any

from connexion.decorators.parameter import prep_kwargs, sanitized
from connexion.lifecycle import ConnexionRequest

from runyard.web.operations import HandOver


class HandOverDiffers(AssertionError):
    pass


def install() -> None:
    """Make HandOver.kwargs check itself against connexion's prep_kwargs (for this process)."""
    own = HandOver.kwargs
    if getattr(own, "checked", False):
        return

    def kwargs(self: HandOver, request: ConnexionRequest, body: Any) -> dict[str, Any]:
        mine = own(self, request, body)
        theirs = prep_kwargs(request, request_body=body, files={}, arguments=self.arguments, has_kwargs=self.has_kwargs, sanitize=sanitized)
        if mine != theirs:
            raise HandOverDiffers(f"runyard handed over {mine!r}, connexion's prep_kwargs {theirs!r}")
        return mine

    kwargs.checked = True  # type: ignore[attr-defined]
    HandOver.kwargs = kwargs  # type: ignore[method-assign]
