"""List pages are encoded as their dialects build them (runyard.web.replies.page_reply), not sent
through their generated models; each must still be exactly what its model would answer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

import orjson
import pytest
from starlette.testclient import TestClient

from generated import models as m
from runyard.web import replies
from runyard.web.app import create_app
from runyard.web.encoding import FastJsonifier
from tests.support.keys import with_key_store


def _item(**changes: object) -> dict[str, object]:
    item: dict[str, object] = {
        "job_id": "run_1",
        "status": m.NativeStatus.succeeded,
        "created_at": datetime(2026, 12, 6, 10, 0, 0, 120000, tzinfo=UTC),
        "session_id": None,
        "progress": {"percentage": 100.0, "current_step": None},
        "job": "demo",
        "environment": "dev",
        "tags": ["a"],
        "duration_seconds": 1.5,
        "attempt": 1,
    }
    return {**item, **changes}


def _page(*items: dict[str, object]) -> dict[str, object]:
    return {"jobs": list(items), "total": len(items), "page": 1, "page_size": 20, "next_cursor": None}


def test_the_suite_checks_every_page_against_its_model() -> None:
    assert replies.CHECK_PAGES is True
    assert os.environ["RUNYARD_CHECK_PAGES"] == "1"  # the servers the suite starts check theirs too


def test_a_page_is_encoded_exactly_as_its_model_answers_it() -> None:
    body = _page(_item(), _item(job_id="run_2", created_at=datetime(2026, 12, 6, tzinfo=UTC)))

    encoded, status, headers = replies.page_reply(m.RunList, body)

    modelled, _, _ = replies.reply(m.RunList.model_validate(body))
    assert (status, headers["Content-Type"]) == (200, "application/json")
    assert bytes(encoded) == FastJsonifier().dumps(modelled)  # as the model's answer is sent, byte for byte
    assert b'"created_at":"2026-12-06T10:00:00.120000Z"' in encoded and b'"created_at":"2026-12-06T00:00:00Z"' in encoded


@pytest.mark.parametrize(
    "changes",
    [
        {"attempt": 1.0},  # a number the model writes otherwise
        {"progress": {"current_step": None, "percentage": 100.0}},  # fields out of the model's order
        {"duration_seconds": 2},  # an integer where the model has a float
    ],
)
def test_a_page_that_differs_from_its_models_answer_fails(changes: dict[str, object]) -> None:
    with pytest.raises(replies.PageMismatch):
        replies.page_reply(m.RunList, _page(_item(**changes)))


def test_a_page_that_orjson_cannot_encode_is_answered_through_its_model() -> None:
    answered, _, _ = replies.page_reply(m.RunList, _page(_item(attempt=2**70)))  # past orjson's 64 bits

    assert not isinstance(answered, replies.Encoded)
    assert isinstance(answered, dict) and answered["jobs"][0]["attempt"] == 2**70  # connexion's encoder writes it


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    _, secret = with_key_store(database_url, lambda store: store.create_key("dev"))
    with TestClient(create_app(database_url, worker=None, background=False), headers={"Authorization": f"Bearer {secret}"}) as test_client:
        yield test_client


def test_a_trigger_list_with_metadata_past_64_bits_answers_it_exactly(client: TestClient) -> None:
    run_id = client.post("/trigger/api/v1/tasks/demo/trigger", json={"options": {"metadata": {"big": 2**70, "ok": 1.5}}}).json()["id"]

    response = client.get("/trigger/api/v1/runs")

    assert response.status_code == 200
    item = response.json()["data"][0]
    assert (item["id"], item["metadata"]) == (run_id, {"big": 2**70, "ok": 1.5})
    assert orjson.loads(client.get("/api/v1/runs").content)["jobs"][0]["job_id"] == run_id
