"""Tests for runyard.web.openapi_compat: the 3.1 -> 3.0.3 rendition handed to connexion.

Three layers:
* unit tests, one per conversion rule the spec uses, on small dicts, and one per construct
  it does not use, which must be refused naming its location (never weakened silently);
* the rendition of runyard's own document, committed under generated/connexion, proven to be
  what the app loads;
* behavioural tests that load a tiny 3.1 document into real connexion (through the
  conversion) and prove that request validation keeps the 3.1 meaning.
"""

from __future__ import annotations

import copy
import importlib.metadata
from typing import Any

import connexion
import pytest
from connexion.exceptions import InvalidSpecification
from openapi_spec_validator import validate as validate_openapi

from runyard.spec import load_spec
from runyard.web.openapi_compat import CONNEXION_TESTED_VERSION, to_openapi30
from runyard.web.rendition import RENDITION_PATH, connexion_document, derive, render

# --------------------------------------------------------------------------- helpers


def doc_with_schema(schema: Any, **extra: Any) -> dict[str, Any]:
    """A minimal 3.1 document holding `schema` as components.schemas.S."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": {"S": schema}},
    }
    doc.update(extra)
    return doc


def convert_schema(schema: Any) -> Any:
    return to_openapi30(doc_with_schema(schema))["components"]["schemas"]["S"]


def doc_with_query_param(schema: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "get": {
                    "parameters": [{"name": "p", "in": "query", "schema": schema}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
        "components": {"schemas": schemas},
    }


def converted_param_schema(schema: dict[str, Any], **schemas: Any) -> dict[str, Any]:
    out = to_openapi30(doc_with_query_param(schema, **schemas))
    return out["paths"]["/x"]["get"]["parameters"][0]["schema"]


# --------------------------------------------------------------------------- document level


def test_version_becomes_303() -> None:
    assert to_openapi30(doc_with_schema({"type": "string"}))["openapi"] == "3.0.3"


def test_non_31_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="3.1"):
        to_openapi30({"openapi": "3.0.3", "info": {}, "paths": {}})


def test_input_document_is_not_mutated() -> None:
    doc = doc_with_schema({"type": ["string", "null"], "examples": ["a"]})
    before = copy.deepcopy(doc)
    to_openapi30(doc)
    assert doc == before


def test_31_only_info_fields_are_removed() -> None:
    doc = doc_with_schema({"type": "string"}, info={"title": "t", "version": "1", "summary": "short", "license": {"name": "MIT", "identifier": "MIT"}})
    assert to_openapi30(doc)["info"] == {"title": "t", "version": "1", "license": {"name": "MIT"}}


def test_missing_paths_is_added_as_empty() -> None:
    out = to_openapi30({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}})
    assert out["paths"] == {}


def test_examples_map_of_parameters_and_media_types_is_kept() -> None:
    examples_map = {"one": {"value": "a"}}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "parameters": [{"name": "p", "in": "query", "schema": {"type": "string"}, "examples": examples_map}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "string"}, "examples": examples_map}}},
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    op = to_openapi30(doc)["paths"]["/x"]["post"]
    assert op["parameters"][0]["examples"] == examples_map
    assert op["requestBody"]["content"]["application/json"]["examples"] == examples_map


def test_converted_document_is_valid_openapi_30() -> None:
    validate_openapi(to_openapi30(APP_DOC))  # raises on an invalid 3.0 document


# --------------------------------------------------------------------------- schema rules


def test_type_list_with_null_becomes_nullable() -> None:
    assert convert_schema({"type": ["integer", "null"]}) == {"type": "integer", "nullable": True}


def test_single_element_type_list_becomes_plain_type() -> None:
    assert convert_schema({"type": ["string"]}) == {"type": "string"}


def test_anyof_with_null_and_ref_branch_keeps_a_draft4_null_branch() -> None:
    schema = {"anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]}
    assert convert_schema(schema) == {
        "anyOf": [{"$ref": "#/components/schemas/T"}, {"enum": [None], "nullable": True}],
        "nullable": True,
    }


def test_oneof_with_null_and_an_inline_branch_keeps_a_draft4_null_branch() -> None:
    schema = {"oneOf": [{"type": "string", "maxLength": 3}, {"type": "null"}], "description": "d"}
    assert convert_schema(schema) == {
        "oneOf": [{"type": "string", "maxLength": 3}, {"enum": [None], "nullable": True}],
        "description": "d",
        "nullable": True,
    }


def test_oneof_with_null_and_several_branches_keeps_all_branches() -> None:
    schema = {"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}
    assert convert_schema(schema) == {
        "oneOf": [{"type": "string"}, {"type": "integer"}, {"enum": [None], "nullable": True}],
        "nullable": True,
    }


def test_null_branch_does_not_make_parent_nullable_when_parent_type_rejects_null() -> None:
    schema = {"type": "object", "anyOf": [{"$ref": "#/components/schemas/T"}, {"type": "null"}]}
    assert "nullable" not in convert_schema(schema)


def test_const_becomes_single_enum_with_inferred_type() -> None:
    assert convert_schema({"const": "run"}) == {"enum": ["run"], "type": "string"}
    assert convert_schema({"const": 3})["type"] == "integer"
    assert convert_schema({"const": True})["type"] == "boolean"


def test_const_keeps_explicit_type() -> None:
    assert convert_schema({"type": "number", "const": 3}) == {"type": "number", "enum": [3]}


def test_numeric_exclusive_minimum_becomes_boolean_form() -> None:
    assert convert_schema({"type": "integer", "exclusiveMinimum": 0}) == {"type": "integer", "minimum": 0, "exclusiveMinimum": True}


def test_schema_examples_become_first_example() -> None:
    assert convert_schema({"type": "string", "examples": ["a", "b"]}) == {"type": "string", "example": "a"}


def test_ref_with_siblings_becomes_allof() -> None:
    schema = {"$ref": "#/components/schemas/T", "description": "d", "default": "x"}
    assert convert_schema(schema) == {"description": "d", "default": "x", "allOf": [{"$ref": "#/components/schemas/T"}]}


def test_plain_ref_is_left_alone() -> None:
    assert convert_schema({"$ref": "#/components/schemas/T"}) == {"$ref": "#/components/schemas/T"}


def test_rules_apply_in_nested_subschemas() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"type": ["string", "null"]}}},
        "additionalProperties": {"const": 1},
        "allOf": [{"examples": [1]}],
    }
    out = convert_schema(schema)
    assert out["properties"]["a"]["items"] == {"type": "string", "nullable": True}
    assert out["additionalProperties"] == {"enum": [1], "type": "integer"}
    assert out["allOf"] == [{"example": 1}]


def test_rules_apply_to_parameter_media_type_and_header_schemas() -> None:
    nullable_int = {"type": ["integer", "null"]}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "parameters": [{"name": "p", "in": "query", "schema": nullable_int}],
                    "requestBody": {"content": {"application/json": {"schema": nullable_int}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "headers": {"X-N": {"schema": nullable_int}},
                            "content": {"application/json": {"schema": nullable_int}},
                        }
                    },
                }
            }
        },
    }
    op = to_openapi30(doc)["paths"]["/x"]["post"]
    expected = {"type": "integer", "nullable": True}
    assert op["parameters"][0]["schema"] == expected
    assert op["requestBody"]["content"]["application/json"]["schema"] == expected
    assert op["responses"]["200"]["headers"]["X-N"]["schema"] == expected
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == expected


# --------------------------------------------------------------------------- what the spec does not use is refused

_OP = {"get": {"responses": {"200": {"description": "ok"}}}}

REFUSED_SCHEMAS = {
    "prefixItems": ({"type": "array", "prefixItems": [{"type": "string"}]}, "prefixItems"),
    "patternProperties": ({"type": "object", "patternProperties": {"^a": {"type": "string"}}}, "patternProperties"),
    "annotation keywords 3.0 lacks": ({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"}, r"\$schema"),
    "boolean schema": ({"type": "object", "properties": {"any": True}}, "boolean schemas"),
    "nullable type beside an enum": ({"type": ["string", "null"], "enum": ["a", "b"]}, "enum"),
    "null in an enum": ({"type": "string", "enum": ["a", None]}, "null in an enum"),
    "type null alone": ({"type": "null"}, "type null"),
    "const null": ({"const": None}, "const null"),
    "const beside enum": ({"const": "a", "enum": ["a", "b"]}, "const beside enum"),
    "exclusiveMaximum": ({"type": "number", "exclusiveMaximum": 1.5}, "exclusiveMaximum"),
    "exclusiveMinimum beside minimum": ({"type": "integer", "minimum": 5, "exclusiveMinimum": 0}, "without minimum"),
    "tuple items": ({"type": "array", "items": [{"type": "string"}]}, "must be an object"),
}


@pytest.mark.parametrize(("schema", "message"), list(REFUSED_SCHEMAS.values()), ids=list(REFUSED_SCHEMAS))
def test_a_schema_construct_without_a_rule_is_refused_naming_it(schema: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        convert_schema(schema)
    assert "#/components/schemas/S" in str(refused.value)


def test_type_list_with_two_non_null_types_is_rejected_naming_the_path() -> None:
    schema = {"type": "object", "properties": {"v": {"type": ["string", "integer", "null"]}}}
    with pytest.raises(ValueError, match="#/components/schemas/S/properties/v"):
        convert_schema(schema)


REFUSED_DOCUMENTS = {
    "webhooks": (doc_with_schema({"type": "string"}, webhooks={"done": _OP}), "#/webhooks"),
    "jsonSchemaDialect": (doc_with_schema({"type": "string"}, jsonSchemaDialect="https://spec.openapis.org/oas/3.1/dialect/base"), "jsonSchemaDialect"),
    "components.pathItems": (
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"pathItems": {"A": _OP}}},
        "pathItems",
    ),
    "path item $ref": ({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"$ref": "#/components/pathItems/A"}}}, "#/paths/~1a"),
    "Reference Object with siblings": (
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": {"parameters": [{"$ref": "#/components/parameters/P", "description": "override"}], "responses": {"200": {"description": "ok"}}}}},
            "components": {"parameters": {"P": {"name": "p", "in": "query", "schema": {"type": "string"}}}},
        },
        "#/paths/~1x/get/parameters/0",
    ),
    "callbacks": (
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": {**_OP["get"], "callbacks": {"c": {}}}}}},
        "callbacks",
    ),
    "form body": (
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": {**_OP["get"], "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}}},
        },
        "x-www-form-urlencoded",
    ),
}


@pytest.mark.parametrize(("doc", "where"), list(REFUSED_DOCUMENTS.values()), ids=list(REFUSED_DOCUMENTS))
def test_a_document_construct_without_a_rule_is_refused_naming_it(doc: dict[str, Any], where: str) -> None:
    with pytest.raises(ValueError, match=where):
        to_openapi30(doc)


# --------------------------------------------------------------------------- parameter typing


def test_parameter_schema_with_only_const_gets_a_type() -> None:
    assert converted_param_schema({"const": "fast"}) == {"enum": ["fast"], "type": "string"}


def test_parameter_schema_with_anyof_of_one_type_gets_that_type() -> None:
    schema = {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": -10}]}
    assert converted_param_schema(schema)["type"] == "integer"


def test_parameter_ref_with_siblings_gets_the_target_type() -> None:
    out = converted_param_schema({"$ref": "#/components/schemas/Size", "default": 50}, Size={"type": "integer", "default": 20})
    assert out == {"default": 50, "allOf": [{"$ref": "#/components/schemas/Size"}], "type": "integer"}


def test_parameter_ref_to_an_untyped_schema_is_wrapped_with_the_type_its_branches_share() -> None:
    out = converted_param_schema({"$ref": "#/components/schemas/When"}, When={"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "pattern": "^[0-9]+$"}]})
    assert out == {"allOf": [{"$ref": "#/components/schemas/When"}], "type": "string"}


def test_array_parameter_with_untyped_items_is_rejected_naming_the_path() -> None:
    with pytest.raises(ValueError, match="#/paths/~1x/get/parameters/0/schema/items"):
        converted_param_schema({"type": "array", "items": {"anyOf": [{"type": "integer"}, {"type": "string"}]}})


def test_parameter_schema_with_mixed_types_is_rejected_naming_the_path() -> None:
    with pytest.raises(ValueError, match="#/paths/~1x/get/parameters/0/schema"):
        converted_param_schema({"anyOf": [{"type": "integer"}, {"type": "string"}]})


# --------------------------------------------------------------------------- runyard's own document


def test_runyards_document_converts_to_valid_openapi_30() -> None:
    validate_openapi(derive())


def test_the_committed_rendition_is_the_one_derived_from_the_spec() -> None:
    # scripts/generate writes it; a stale one would show a reviewer something connexion does not load.
    assert RENDITION_PATH.read_text() == render(derive())


def test_the_app_loads_the_committed_rendition_when_it_matches_the_spec() -> None:
    assert connexion_document() == derive()


def test_a_stale_rendition_is_not_loaded(tmp_path: Any) -> None:
    stale = tmp_path / "openapi30.json"
    stale.write_text(render({**derive(), "x-runyard-source-sha256": "0" * 64, "info": {"title": "stale"}}))
    assert connexion_document(rendition_path=stale) == derive()


def test_the_spec_is_parsed_into_fresh_copies() -> None:
    first = load_spec()
    first["info"]["title"] = "changed"
    assert load_spec()["info"]["title"] != "changed"


def test_installed_connexion_is_the_tested_version() -> None:
    # If this fails after an upgrade: re-run this file, re-check the rules, then bump.
    assert importlib.metadata.version("connexion") == CONNEXION_TESTED_VERSION


# --------------------------------------------------------------------------- through connexion

_MOD = __name__

APP_DOC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "compat", "version": "1", "summary": "3.1-only field"},
    "paths": {
        "/items": {
            "get": {
                "operationId": f"{_MOD}.list_items",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": ["integer", "null"]}},
                    {"name": "status", "in": "query", "schema": {"$ref": "#/components/schemas/Status"}},
                    {
                        "name": "size",
                        "in": "query",
                        "schema": {"$ref": "#/components/schemas/PageSize", "default": 50},
                    },
                    {
                        "name": "score",
                        "in": "query",
                        "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
                    },
                    {"name": "mode", "in": "query", "schema": {"const": "fast"}},
                    {
                        "name": "cursor",
                        "in": "query",
                        "schema": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                    },
                    {
                        "name": "tags",
                        "in": "query",
                        "style": "form",
                        "explode": False,
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Status"}},
                    },
                    {
                        "name": "filter",
                        "in": "query",
                        "style": "deepObject",
                        "explode": True,
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"min": {"type": "integer", "exclusiveMinimum": 0}},
                        },
                    },
                ],
                "responses": {"200": {"description": "echo of the parsed parameters"}},
            },
            "post": {
                "operationId": f"{_MOD}.create_item",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}
                    },
                },
                "responses": {"201": {"description": "created"}},
            },
        }
    },
    "components": {
        "schemas": {
            "Status": {"type": "string", "enum": ["QUEUED", "DONE"]},
            "PageSize": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            "Label": {"type": "string", "maxLength": 10},
            "NewItem": {
                "type": "object",
                "required": ["kind", "status"],
                "properties": {
                    "kind": {"const": "item"},
                    "status": {"$ref": "#/components/schemas/Status", "description": "not null"},
                    "parent_status": {
                        "anyOf": [{"$ref": "#/components/schemas/Status"}, {"type": "null"}],
                        "description": "null allowed",
                    },
                    "note": {"type": ["string", "null"], "maxLength": 5},
                    "count": {"type": "integer", "exclusiveMinimum": 0},
                    "label": {"$ref": "#/components/schemas/Label", "maxLength": 3},
                },
            },
        }
    },
}


async def list_items(**kwargs: Any) -> tuple[dict[str, Any], int]:
    return kwargs, 200


async def create_item(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return body, 201


@pytest.fixture(scope="module")
def client():
    app = connexion.AsyncApp(__name__)
    app.add_api(to_openapi30(APP_DOC))
    return app.test_client()


VALID_ITEM = {"kind": "item", "status": "QUEUED"}


def test_raw_31_document_is_refused_by_connexion() -> None:
    # Why this module exists: connexion 3.3 only validates against the 3.0 meta-schema.
    with pytest.raises(InvalidSpecification):
        connexion.AsyncApp(__name__).add_api(copy.deepcopy(APP_DOC))


def test_nullable_integer_query_param_accepts_an_integer(client) -> None:
    r = client.get("/items", params={"limit": "5"})
    assert r.status_code == 200
    assert r.json()["limit"] == 5


def test_nullable_integer_query_param_rejects_text_with_400(client) -> None:
    r = client.get("/items", params={"limit": "abc"})
    assert r.status_code == 400


def test_nullable_integer_query_param_maps_literal_null_to_none(client) -> None:
    r = client.get("/items", params={"limit": "null"})
    assert r.status_code == 200
    assert r.json()["limit"] is None


def test_enum_query_param_rejects_bad_value_naming_it(client) -> None:
    r = client.get("/items", params={"status": "BOGUS"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "BOGUS" in r.json()["detail"]


def test_ref_sibling_default_takes_precedence_over_target_default(client) -> None:
    assert client.get("/items").json()["size"] == 50


def test_ref_with_sibling_still_enforces_target_constraints(client) -> None:
    assert client.get("/items", params={"size": "101"}).status_code == 400
    assert client.get("/items", params={"size": "7"}).json()["size"] == 7


def test_anyof_integer_or_null_query_param_casts_and_maps_null(client) -> None:
    assert client.get("/items", params={"cursor": "7"}).json()["cursor"] == 7
    assert client.get("/items", params={"cursor": "null"}).json()["cursor"] is None
    assert client.get("/items", params={"cursor": "x"}).status_code == 400


def test_exclusive_minimum_is_enforced_on_query_param(client) -> None:
    assert client.get("/items", params={"score": "0"}).status_code == 400
    assert client.get("/items", params={"score": "10.5"}).status_code == 400
    assert client.get("/items", params={"score": "0.5"}).json()["score"] == 0.5


def test_untyped_const_query_param_is_enforced_without_500(client) -> None:
    assert client.get("/items", params={"mode": "fast"}).status_code == 200
    assert client.get("/items", params={"mode": "slow"}).status_code == 400


def test_array_query_param_is_split_and_items_validated(client) -> None:
    assert client.get("/items", params={"tags": "QUEUED,DONE"}).json()["tags"] == ["QUEUED", "DONE"]
    assert client.get("/items", params={"tags": "QUEUED,NOPE"}).status_code == 400


def test_deep_object_query_param_is_cast_and_validated(client) -> None:
    assert client.get("/items?filter[min]=3").json()["filter"] == {"min": 3}
    assert client.get("/items?filter[min]=0").status_code == 400
    assert client.get("/items?filter[bogus]=1").status_code == 400


def test_body_const_accepts_the_constant(client) -> None:
    assert client.post("/items", json=VALID_ITEM).status_code == 201


def test_body_const_rejects_a_different_value(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "kind": "other"}).status_code == 400


def test_body_ref_with_description_sibling_rejects_null(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "status": None}).status_code == 400


def test_body_ref_with_description_sibling_still_enforces_enum(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "status": "NOPE"}).status_code == 400


def test_body_anyof_ref_or_null_accepts_null_and_members(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "parent_status": None}).status_code == 201
    assert client.post("/items", json={**VALID_ITEM, "parent_status": "DONE"}).status_code == 201


def test_body_anyof_ref_or_null_rejects_other_values(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "parent_status": "NOPE"}).status_code == 400


def test_body_nullable_string_accepts_null_and_keeps_max_length(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "note": None}).status_code == 201
    assert client.post("/items", json={**VALID_ITEM, "note": "abc"}).status_code == 201
    assert client.post("/items", json={**VALID_ITEM, "note": "toolong"}).status_code == 400


def test_body_exclusive_minimum_rejects_the_bound_and_accepts_above(client) -> None:
    assert client.post("/items", json={**VALID_ITEM, "count": 0}).status_code == 400
    assert client.post("/items", json={**VALID_ITEM, "count": 1}).status_code == 201


def test_body_ref_sibling_constraint_applies_together_with_target(client) -> None:
    # 3.1: {$ref: Label(maxLength 10), maxLength: 3} means both; connexion's own
    # $ref resolution would let the target's maxLength overwrite the sibling.
    assert client.post("/items", json={**VALID_ITEM, "label": "abc"}).status_code == 201
    assert client.post("/items", json={**VALID_ITEM, "label": "abcdef"}).status_code == 400


def test_not_is_kept_with_its_schema_converted() -> None:
    """`not` means the same in 3.0 as in 3.1; its schema is converted like any other (the submit's agent_file uses it)."""
    converted = convert_schema({"type": ["string", "null"], "not": {"type": "string", "pattern": "^/", "examples": ["/etc"]}})
    assert converted == {"type": "string", "nullable": True, "not": {"type": "string", "pattern": "^/", "example": "/etc"}}
