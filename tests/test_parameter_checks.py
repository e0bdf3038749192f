"""Parameters are validated by a quick check where their schema is simple (runyard.web.validation.quick_check),
and by jsonschema otherwise or when the quick check does not pass them. A quick check may only ever say
"valid" where jsonschema says so: these tests hold it to that for every parameter of the spec."""

from __future__ import annotations

import json
from typing import Any

import pytest
from connexion.json_schema import resolve_refs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runyard.web.rendition import connexion_document
from runyard.web.validation import _FORMAT_CHECKER, ParameterSchemaValidator, quick_check


def _parameters() -> list[tuple[str, dict[str, Any]]]:
    document = resolve_refs(connexion_document())
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                schema = parameter.get("schema", {})
                found[json.dumps(schema, sort_keys=True)] = (f"{method.upper()} {path} {parameter['name']}", schema)
    return sorted(found.values(), key=lambda entry: entry[0])


PARAMETERS = _parameters()
_SCALARS = st.one_of(
    st.text(alphabet=st.sampled_from("aAz09_-,:.TZ+ éÿ\U0001f600"), max_size=300),
    st.text(max_size=20),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([0, 1, -1, 2**31 - 1, 2**31, 100, 101, 3.0, 2.5, True, False, None, "", "1", "failed", "COMPLETED"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)


def _values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    known = [schema[key] for key in ("default", "example") if key in schema]
    choices = list(schema.get("enum", [])) + list(schema.get("items", {}).get("enum", []))
    specific = st.sampled_from(known + choices) if known + choices else st.nothing()
    lists = st.lists(st.one_of(_SCALARS, st.sampled_from(choices) if choices else st.nothing()), max_size=4)
    return st.one_of(_SCALARS, specific, lists)


@pytest.mark.parametrize(("where", "schema"), PARAMETERS, ids=[where for where, _ in PARAMETERS])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_quick_check_passes_only_what_jsonschema_passes(where: str, schema: dict[str, Any], data: st.DataObject) -> None:
    quick = quick_check(schema)
    if quick is None:
        return
    value = data.draw(_values(schema))
    if quick(value):
        errors = [error.message for error in ParameterSchemaValidator(schema, format_checker=_FORMAT_CHECKER).iter_errors(value)]
        assert errors == [], (where, value)


def test_most_parameters_have_a_quick_check_that_passes_their_documented_values() -> None:
    checked = [(where, schema) for where, schema in PARAMETERS if quick_check(schema) is not None]

    assert len(checked) >= len(PARAMETERS) * 3 // 4, [where for where, schema in PARAMETERS if quick_check(schema) is None]
    for where, schema in checked:
        quick = quick_check(schema)
        assert quick is not None
        for value in [schema[key] for key in ("default", "example") if key in schema] + list(schema.get("enum", [])):
            assert quick(value), (where, value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ({"type": "integer", "minimum": 0}, True),  # a bool is not an integer
        ({"type": "integer"}, 3.0),  # an integer to 2020-12: jsonschema decides
        ({"type": "string", "maxLength": 2}, "abc"),
        ({"type": "string", "pattern": "^[0-9]+$"}, "12a"),
        ({"type": "string", "enum": ["a", "b"]}, "c"),
        ({"type": "array", "items": {"type": "string", "enum": ["a"]}}, ["a", "b"]),
        ({"type": "array", "minItems": 1, "items": {"type": "string"}}, []),
        ({"type": "number", "maximum": 10}, float("nan")),
    ],
)
def test_a_quick_check_leaves_what_it_does_not_pass_to_jsonschema(schema: dict[str, Any], value: Any) -> None:
    quick = quick_check(schema)

    assert quick is not None and not quick(value)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "date-time"},  # a format jsonschema checks
        {"type": "integer", "minimum": 0, "exclusiveMinimum": True},  # a keyword the quick check does not know
        {"type": "integer", "pattern": "^1$"},  # a keyword of another type
        {"type": ["string", "null"]},
        {"allOf": [{"type": "string"}]},
        {"type": "string", "enum": ["a", 1]},
    ],
)
def test_a_schema_the_quick_check_does_not_know_goes_to_jsonschema_alone(schema: dict[str, Any]) -> None:
    assert quick_check(schema) is None
