"""The contract itself: a valid OpenAPI 3.1 document that reads like documentation, and generated/ in step with it."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "runyard.yaml"
SPEC: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = [(path, method, op) for path, item in SPEC["paths"].items() for method, op in item.items() if method in METHODS]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_spec_is_openapi_3_1():
    assert SPEC["openapi"] == "3.1.0"


def test_spec_is_valid_under_openapi_spec_validator():
    validate(SPEC)


def test_validator_rejects_a_broken_spec():
    broken = {**SPEC, "paths": {"/x": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"type": "nonsense"}}}}}}}}}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_is_documented(path: str, method: str, op: dict[str, Any]):
    assert op.get("operationId"), "operationId"
    assert op.get("summary"), "summary"
    assert op.get("description"), "description"
    assert op.get("tags"), "tags"


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m, _ in OPERATIONS])
def test_every_response_with_a_body_has_a_schema_and_an_example(path: str, method: str, op: dict[str, Any]):
    for status, response in op["responses"].items():
        response = _resolve(response)
        assert response.get("description"), f"{status} description"
        for media_type, media in response.get("content", {}).items():
            assert "schema" in media, f"{status} {media_type} schema"
        json_media = response.get("content", {}).get("application/json")
        if json_media is not None:
            assert json_media.get("examples") or json_media.get("example"), f"{status} example"


def _validates_input(op: dict[str, Any]) -> bool:
    return "requestBody" in op or any(_resolve(p)["in"] == "query" for p in op.get("parameters", []))


VALIDATING = [(p, m, op) for p, m, op in OPERATIONS if _validates_input(op)]


@pytest.mark.parametrize(("path", "method", "op"), VALIDATING, ids=[f"{m.upper()} {p}" for p, m, _ in VALIDATING])
def test_operations_that_validate_input_document_their_400(path: str, method: str, op: dict[str, Any]):
    """Validation errors are problem+json, except in the Trigger.dev dialect (ErrorWithDetailsResponse)
    and the TrueFoundry dialect (422 HttpError)."""
    if path.startswith("/api/svc/"):
        unprocessable = _resolve(op["responses"]["422"])
        assert unprocessable["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TrueFoundryHttpError"}
        return
    bad_request = _resolve(op["responses"]["400"])
    if path.startswith("/trigger/"):
        assert bad_request["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TriggerErrorWithDetails"}
    else:
        assert "application/problem+json" in bad_request["content"]


def test_submit_links_to_status_result_and_cancel():
    links = SPEC["paths"]["/api/v1/runs"]["post"]["responses"]["202"]["links"]
    targets = {_resolve(link)["operationId"] for link in links.values()}
    assert {"handlers.runs.get_run_status", "handlers.runs.get_run_result", "handlers.runs.cancel_run"} <= targets


def test_generated_models_match_the_spec(tmp_path: Path):
    generate = runpy.run_path(str(ROOT / "scripts" / "generate"))
    fresh = tmp_path / "generated"
    generate["generate"](fresh)
    assert generate["differences"](fresh, ROOT / "generated") == []


def test_drift_check_notices_a_changed_model(tmp_path: Path):
    generate = runpy.run_path(str(ROOT / "scripts" / "generate"))
    fresh = tmp_path / "generated"
    generate["generate"](fresh)
    copy = tmp_path / "edited"
    copy.mkdir()
    for file in fresh.iterdir():
        if file.is_file():
            (copy / file.name).write_text(file.read_text())
    (copy / "models.py").write_text((copy / "models.py").read_text() + "\n# edited by hand\n")
    assert generate["differences"](fresh, copy) == ["models.py"]
