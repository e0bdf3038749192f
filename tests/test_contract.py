"""The contract itself: a valid OpenAPI 3.1 document that reads like documentation, and generated/ in step with it."""

from __future__ import annotations

import os
import runpy
import shutil
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
    if (path.startswith("/trigger/api/v1/schedules") or path.endswith("/tags")) and method != "get":
        # Trigger.dev's schedules and tags routes answer a bad body with `{error, issues}`.
        assert bad_request["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TriggerIssues"}
    elif path.startswith("/trigger/"):
        assert bad_request["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TriggerErrorWithDetails"}
    else:
        assert "application/problem+json" in bad_request["content"]


def test_submit_links_to_status_result_and_cancel():
    links = SPEC["paths"]["/api/v1/runs"]["post"]["responses"]["202"]["links"]
    targets = {_resolve(link)["operationId"] for link in links.values()}
    assert {"handlers.runs.get_run_status", "handlers.runs.get_run_result", "handlers.runs.cancel_run"} <= targets


NATIVE_TAGS = {"health", "runs", "jobs", "schedules", "keys"}  # the Python client's (scripts/generate PYTHON_CLIENT_TAGS)


@pytest.fixture(scope="module")
def generator() -> dict[str, Any]:
    """scripts/generate's functions (generate, differences, ...)."""
    return runpy.run_path(str(ROOT / "scripts" / "generate"))


# scripts/test runs scripts/check (whose drift check makes a fresh generation and compares it with
# generated/) before pytest, and says so: the suite then works on generated/ itself instead of
# generating everything a second time in the same run.
CHECKED_BY_SCRIPTS_CHECK = os.environ.get("RUNYARD_GENERATED_CHECKED") == "1"


@pytest.fixture(scope="module")
def fresh(generator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh generation of everything in generated/: models, the Python client, the TypeScript types, the connexion rendition."""
    out = tmp_path_factory.mktemp("fresh") / "generated"
    if CHECKED_BY_SCRIPTS_CHECK:
        shutil.copytree(ROOT / "generated", out, ignore=shutil.ignore_patterns("node_modules", "__pycache__"))
    else:
        generator["generate"](out)
    return out


@pytest.mark.skipif(CHECKED_BY_SCRIPTS_CHECK, reason="scripts/check compared a fresh generation with generated/ in this run")
def test_generated_files_match_the_spec(generator: dict[str, Any], fresh: Path):
    assert generator["differences"](fresh, ROOT / "generated") == []


def test_generation_writes_models_the_python_client_and_the_typescript_types(fresh: Path):
    client = fresh / "python_client" / "runyard_client"
    for name in ("models.py", "typescript/schema.d.ts", "typescript/package.json", "typescript/package-lock.json"):
        assert (fresh / name).is_file(), name
    for name in ("client.py", "py.typed", "models/run_status.py", "api/runs/submit_run.py", "api/jobs/put_job.py", "api/health/get_health.py"):
        assert (client / name).is_file(), name
    # The client covers the native API only; the TypeScript types cover every dialect.
    assert sorted(p.name for p in (client / "api").iterdir() if p.is_dir()) == ["health", "jobs", "keys", "runs", "schedules"]
    schema = (fresh / "typescript" / "schema.d.ts").read_text()
    for path in ("/api/v1/runs/{job_id}/result", "/trigger/api/v1/runs", "/api/svc/v1/jobs/{jobId}/runs"):
        assert f'"{path}": {{' in schema, path


def test_python_client_document_is_a_valid_native_subset_of_the_spec(generator: dict[str, Any]):
    document = generator["python_client_spec"](SPEC)
    validate(document)
    assert {path for path in document["paths"]} == {path for path, _, op in OPERATIONS if set(op["tags"]) <= NATIVE_TAGS}
    assert not any(name.startswith(("Trigger", "TrueFoundry")) for section in document["components"].values() for name in section)
    assert SPEC["paths"]["/health"]["get"]["operationId"] == "handlers.health.get_health"  # the spec itself is untouched


def test_python_client_operations_are_the_native_operations_of_the_spec(fresh: Path):
    native = {op["operationId"].rsplit(".", 1)[-1] for _, _, op in OPERATIONS if set(op["tags"]) <= NATIVE_TAGS}
    api = fresh / "python_client" / "runyard_client" / "api"
    generated = {module.stem for module in api.glob("*/*.py") if module.stem != "__init__"}
    assert generated == native


@pytest.mark.parametrize(
    "edited",
    ["models.py", "python_client/runyard_client/models/run_status.py", "python_client/runyard_client/api/runs/submit_run.py", "typescript/schema.d.ts"],
)
def test_drift_check_notices_an_edited_file(generator: dict[str, Any], fresh: Path, tmp_path: Path, edited: str):
    copy = tmp_path / "edited"
    shutil.copytree(fresh, copy)
    assert generator["differences"](fresh, copy) == []
    (copy / edited).write_text((copy / edited).read_text() + "\n// edited by hand\n")
    assert generator["differences"](fresh, copy) == [edited]


def test_drift_check_notices_added_and_removed_files_and_ignores_caches(generator: dict[str, Any], fresh: Path, tmp_path: Path):
    copy = tmp_path / "edited"
    shutil.copytree(fresh, copy)
    (copy / "python_client" / "runyard_client" / "__pycache__").mkdir(exist_ok=True)
    (copy / "python_client" / "runyard_client" / "__pycache__" / "client.cpython-311.pyc").write_bytes(b"\0")
    (copy / "typescript" / "node_modules" / "openapi-typescript").mkdir(parents=True)
    (copy / "typescript" / "node_modules" / "openapi-typescript" / "package.json").write_text("{}")
    assert generator["differences"](fresh, copy) == []
    (copy / "python_client" / "runyard_client" / "api" / "runs" / "extra.py").write_text("")
    (copy / "python_client" / "runyard_client" / "models" / "job.py").unlink()
    assert generator["differences"](fresh, copy) == ["python_client/runyard_client/api/runs/extra.py", "python_client/runyard_client/models/job.py"]
