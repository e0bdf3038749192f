"""What a handler needs of its operation is worked out once, when the API is added, not on every
request; the parameters and answers are connexion's as before (runyard.web.operations)."""

from __future__ import annotations

from typing import Any

import connexion.decorators.parameter
import pytest
from connexion.utils import inspect_function_arguments
from starlette.testclient import TestClient

import runyard.web.app
import runyard.web.operations
from runyard.web.app import create_app
from runyard.web.operations import HandOver, OperationsApp
from tests.support import hand_over
from tests.support.keys import create_keys


def test_requests_reuse_what_was_worked_out_for_their_operation_at_start(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []

    def counting(function: Any) -> Any:
        built.append(function)
        return inspect_function_arguments(function)

    # Whoever inspects a handler's signature: connexion's own decorators, or runyard's operations.
    monkeypatch.setattr(connexion.decorators.parameter, "inspect_function_arguments", counting)
    monkeypatch.setattr(runyard.web.operations, "inspect_function_arguments", counting)
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


def test_a_body_reaches_the_handler_and_a_form_is_refused(sqlite_url: str) -> None:
    with TestClient(create_app(sqlite_url, background=False)) as client:
        submitted = client.post("/api/v1/runs", json={"job": "demo", "session_id": "from-the-body"})
        assert submitted.status_code == 202, submitted.text
        assert client.get(f"/api/v1/runs/{submitted.json()['job_id']}/details").json()["session_id"] == "from-the-body"
        form = client.post("/api/v1/runs", data={"job": "demo"})
        assert form.status_code == 415


def test_every_operation_is_handed_over_by_runyard_not_by_prep_kwargs(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    apps: list[OperationsApp] = []

    class Recorded(OperationsApp):
        def __init__(self) -> None:
            super().__init__()
            apps.append(self)

    monkeypatch.setattr(runyard.web.app, "OperationsApp", Recorded)
    with TestClient(create_app(sqlite_url, background=False)) as client:
        assert client.get("/health").status_code == 200
    operations = [op for (app,) in [apps] for apis in app.apis.values() for api in apis for op in api.operations.values()]
    assert len(operations) > 20
    assert [op.operation_id for op in operations if op.hand_over is None] == []


def test_query_defaults_and_lists_reach_the_handler_as_connexion_gives_them(sqlite_url: str) -> None:
    # tests/support/hand_over.py makes each of these requests fail if runyard's hand-over and
    # connexion's prep_kwargs disagree.
    secret = create_keys(sqlite_url, {"dev": "dev"})["dev"][1]
    with TestClient(create_app(sqlite_url, background=False), headers={"Authorization": f"Bearer {secret}"}) as client:
        assert client.get("/api/v1/runs").json()["page_size"] == 20  # the spec's default
        trigger = client.get("/trigger/api/v1/runs", params={"filter[status]": "COMPLETED,FAILED", "page[size]": "5"})
        assert trigger.status_code == 200, trigger.text
        truefoundry = client.get("/api/svc/v1/jobs/nope/runs", params={"limit": "3", "sortBy": "startTime"})
        assert truefoundry.status_code in (200, 404), truefoundry.text


def test_a_hand_over_that_differs_from_connexions_fails_the_request(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def off_by_one(self: HandOver, request: Any, body: Any) -> dict[str, Any]:
        return {**original(self, request, body), "page": 0}

    original = HandOver.kwargs
    with TestClient(create_app(sqlite_url, background=False), raise_server_exceptions=False) as client:
        monkeypatch.setattr(HandOver, "kwargs", off_by_one)
        hand_over.install()
        assert client.get("/api/v1/runs").status_code == 500
