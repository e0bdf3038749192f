"""Each operation's handler is decorated once, when the API is added, not on every request (runyard.web.operations)."""

from __future__ import annotations

from typing import Any

import pytest
from connexion.decorators.main import BaseDecorator
from starlette.testclient import TestClient

from runyard.web.app import create_app


def test_requests_reuse_the_handler_decorators_built_at_start(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []
    decorate = BaseDecorator.decorate

    def counting(self: BaseDecorator, function: Any) -> Any:
        built.append(function)
        return decorate(self, function)

    monkeypatch.setattr(BaseDecorator, "decorate", counting)
    with TestClient(create_app(sqlite_url, background=False)) as client:
        assert client.get("/health").status_code == 200  # connexion adds the API on its first request
        at_start = len(built)
        assert at_start > 20  # one per operation
        for _ in range(3):
            assert client.get("/api/v1/runs/run_nope").status_code == 404
            assert client.get("/api/v1/runs").status_code == 200
        assert len(built) == at_start


def test_parameters_still_reach_the_handler_under_the_spec_names(sqlite_url: str) -> None:
    with TestClient(create_app(sqlite_url, background=False)) as client:
        listed = client.get("/api/v1/runs", params={"page": 2, "page_size": 5})
        assert listed.status_code == 200
        assert (listed.json()["page"], listed.json()["page_size"]) == (2, 5)
