"""Request validation through connexion's public `validator_map`.

Two things differ from connexion 3.3's defaults:

* Clear 400 messages for invalid parameters. connexion answers with
  jsonschema's whole report (the schema dumped, several lines); users get one
  line naming the parameter and, for an enumerated one, every valid value.
* In JSON bodies, `integer` as OpenAPI 3.1 (JSON Schema 2020-12) means it:
  any number with a zero fractional part, so `3.0` is an integer. connexion
  validates with Draft 4, where `3.0` is not. (Query strings are cast by
  connexion before validation: `page=3.0` stays a 400.)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import jsonschema
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, AbstractRequestBodyValidator, JSONRequestBodyValidator, ParameterValidator
from connexion.validators.json import format_error_with_path
from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.protocols import Validator
from starlette.types import Scope

from runyard.domain.values import MAX_JSON_DEPTH, json_problem

# Formats as 3.1 (JSON Schema 2020-12) knows them: Draft 4 has no `date` and would let anything through.
_FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER
_TYPES_2020 = Draft4Validator.TYPE_CHECKER.redefine("integer", lambda checker, value: Draft202012Validator.TYPE_CHECKER.is_type(value, "integer"))
# types-jsonschema leaves `extend` unannotated; it returns a validator class.
ParameterSchemaValidator: type[Validator] = jsonschema.validators.extend(Draft4Validator, type_checker=_TYPES_2020)  # type: ignore[no-untyped-call]
BodySchemaValidator: type[Validator] = jsonschema.validators.extend(Draft4RequestValidator, type_checker=_TYPES_2020)  # type: ignore[no-untyped-call]


class ParameterProblem(BadRequestProblem):  # type: ignore[misc]  # connexion ships no type information
    """An invalid parameter, with what dialects need to word it their way."""

    def __init__(self, *, parameter: str, detail: str, invalid: list[Any] | None = None) -> None:
        super().__init__(detail=detail)
        self.parameter = parameter
        self.invalid = invalid or []


def _short_name(name: str) -> str:
    """`filter[status]` -> `status`: how Trigger.dev names a parameter in its messages."""
    return name.rstrip("]").rsplit("[", 1)[-1]


# What a parameter's value must be, for the schemas of the keywords quick_check knows, as a test that says
# "valid" only where jsonschema would (tests/test_parameter_checks.py checks this against jsonschema for
# every parameter of the spec). A value it does not pass goes to jsonschema, which finds the error (or
# not) and words it; so does every value of a schema with any other keyword.
Quick = Callable[[Any], bool]
_ANNOTATIONS = frozenset({"description", "default", "example", "examples", "title", "deprecated"})
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,), "array": (list,)}
# The keywords quick_check knows, by the type they apply to.
_KEYWORDS: dict[str, set[str]] = {
    "string": {"type", "minLength", "maxLength", "pattern", "enum", "format"},
    "integer": {"type", "minimum", "maximum", "format"},
    "number": {"type", "minimum", "maximum", "format"},
    "boolean": {"type"},
    "array": {"type", "items", "minItems", "maxItems"},
}


def quick_check(schema: dict[str, Any]) -> Quick | None:
    """A fast test of a value against a simple parameter schema, or None where the schema is not simple."""
    if not isinstance(schema, dict) or not isinstance(schema.get("type"), str) or set(schema) - _KEYWORDS.get(schema["type"], set()) - _ANNOTATIONS:
        return None  # an unknown keyword, or one of another type (jsonschema would pass over it: so does this, to jsonschema)
    if "format" in schema and schema["format"] in _FORMAT_CHECKER.checkers:  # int32 and the like are annotations
        return None
    types = _TYPES[schema["type"]]  # exact types: a bool is not an integer, a str subclass is left to jsonschema
    tests: list[Quick] = [lambda value: type(value) in types]
    if "minLength" in schema or "maxLength" in schema:
        shortest, longest = schema.get("minLength", 0), schema.get("maxLength", float("inf"))
        tests.append(lambda value: shortest <= len(value) <= longest)
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search  # jsonschema's `pattern` is re.search
        tests.append(lambda value: search(value) is not None)
    if "enum" in schema:
        if not all(type(choice) is str for choice in schema["enum"]):
            return None
        choices = frozenset(schema["enum"])
        tests.append(lambda value: value in choices)
    if "minimum" in schema or "maximum" in schema:
        lowest, highest = schema.get("minimum", -float("inf")), schema.get("maximum", float("inf"))
        tests.append(lambda value: lowest <= value <= highest)
    if "items" in schema or "minItems" in schema or "maxItems" in schema:
        item = quick_check(schema["items"]) if "items" in schema else (lambda value: True)
        if item is None:
            return None
        fewest, most = schema.get("minItems", 0), schema.get("maxItems", float("inf"))
        tests.append(lambda value: fewest <= len(value) <= most and all(item(v) for v in value))
    return lambda value: all(test(value) for test in tests)


_validators: dict[int, tuple[dict[str, Any], Validator, Quick | None]] = {}


def _validator(schema: dict[str, Any]) -> tuple[Validator, Quick | None]:
    """A compiled validator per parameter schema (building one per request cost more than validating), and its quick check."""
    entry = _validators.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, ParameterSchemaValidator(schema, format_checker=_FORMAT_CHECKER), quick_check(schema))
        _validators[id(schema)] = entry
    return entry[1], entry[2]


def parameter_problem(parameter_type: str, name: str, value: Any, schema: dict[str, Any]) -> ParameterProblem | None:
    validator, quick = _validator(schema)
    if quick is not None and quick(value):
        return None
    errors = list(validator.iter_errors(value))
    if not errors:
        return None
    error = errors[0]
    enum = error.schema.get("enum") if isinstance(error.schema, dict) else None
    if error.validator == "enum" and enum:
        if isinstance(value, list):
            bad = [e.instance for e in errors if e.validator == "enum"]
            shown = ", ".join(str(v) if v != "" else "''" for v in bad)
            return ParameterProblem(parameter=name, invalid=bad, detail=f"Invalid {_short_name(name)} values: {shown}")
        return ParameterProblem(parameter=name, invalid=[value], detail=f"Invalid {name} {value!r}; valid values are: {', '.join(map(str, enum))}")
    return ParameterProblem(parameter=name, detail=f"Invalid {parameter_type} parameter {name!r}: {error.message}")


class ClearParameterValidator(ParameterValidator):  # type: ignore[misc]  # connexion ships no type information
    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        name = param.get("name", param_name or "?")
        if value is not None:
            # The schema is only read, never changed, so it is not copied (connexion deep-copies it per request).
            problem = parameter_problem(parameter_type, name, value, param.get("schema", param))
            if problem is not None:
                raise problem
            return None
        if param.get("required"):
            raise ParameterProblem(parameter=name, detail=f"Missing {parameter_type} parameter {name!r}")
        return None


# How deep a JSON body may nest. Deeper bodies are refused before anything recurses over them
# (the parser, schema validation, pydantic and the store all would, and Python's stack ends near 1,000).


def _bad_constant(name: str) -> Any:
    raise BadRequestProblem(detail=f"The body is not valid JSON: {name} is not a JSON number")


def _finite(text: str) -> float:
    """A JSON number with a fraction or exponent; one too large for a double (1e400) is refused, not
    taken as Infinity, which is not JSON (PostgreSQL refuses it, SQLite would store invalid JSON)."""
    number = float(text)
    if not math.isfinite(number):
        raise BadRequestProblem(detail=f"The body is not valid JSON: the number {text[:40]} is too large")
    return number


class JSONBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]  # connexion ships no type information
    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        # connexion's own parse lets a body that is not valid text, or nests beyond the stack, escape as
        # a 500, and takes NaN and Infinity, which are not JSON (SQLite would store them as invalid JSON).
        raw = b"".join([chunk async for chunk in stream])
        try:
            text = raw.decode(self._encoding)
        except UnicodeDecodeError as exc:
            raise BadRequestProblem(detail=f"The body is not valid {self._encoding}: {exc.reason} at byte {exc.start}") from None
        if not text:
            return None
        try:
            body = json.loads(text, parse_constant=_bad_constant, parse_float=_finite)
        except json.JSONDecodeError as exc:
            raise BadRequestProblem(detail=f"The body is not valid JSON: {exc}") from None
        except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
            raise BadRequestProblem(detail=f"The body is not valid JSON: {exc}") from None
        except RecursionError:
            raise BadRequestProblem(detail=f"The body nests deeper than {MAX_JSON_DEPTH} levels") from None
        if body is None and not self._nullable:
            # A literal `null` is a body, and not the object the contract asks for (no body at all is another matter).
            raise BadRequestProblem(detail="The body is null; send a JSON object")
        problem = json_problem(body)
        if problem is not None:
            raise BadRequestProblem(detail=problem)
        return body

    def _validate(self, body: Any) -> dict[str, Any] | None:
        # An optional body may be absent even when the client says it sends JSON:
        # Trigger.dev's SDK posts `content-type: application/json` with no body at all.
        if body is None and not self._required:
            return None
        if not self._nullable and body is None:
            raise BadRequestProblem("Request body must not be empty")
        try:
            self._validator.validate(body)
        except jsonschema.ValidationError as exc:
            raise BadRequestProblem(detail=_body_error(exc)) from None
        return None

    @property
    def _validator(self) -> jsonschema.protocols.Validator:
        return BodySchemaValidator(self._schema, format_checker=_FORMAT_CHECKER)


def _body_error(error: jsonschema.ValidationError) -> str:
    """One line on what is wrong with a body, naming where (connexion's wording), and for "one of these
    fields is required" (an anyOf of `required` alone) the fields, not the whole body."""
    where = format_error_with_path(exception=error)
    branches = error.validator_value if error.validator == "anyOf" else None
    if isinstance(branches, list) and branches and all(isinstance(b, dict) and set(b) == {"required"} for b in branches):
        names = " or ".join(repr(name) for branch in branches for name in branch["required"])
        return f"{names} is a required property{where}"
    return f"{_shortened(error.message)}{where}"


def _shortened(message: str, limit: int = 300) -> str:
    """A message quoting the value it refuses, cut: a 200 kB prompt must not come back in the error."""
    return message if len(message) <= limit else f"{message[: limit // 2]} ... {message[-limit // 2 :]}"


class NDJSONBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]  # connexion ships no type information
    """Newline-delimited JSON (a Trigger.dev batch's items): text, each line read by the dialect, which
    names the line that is wrong. Here only that it is text in its encoding."""

    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        try:
            raw.decode(self._encoding)
        except UnicodeDecodeError as exc:
            raise BadRequestProblem(detail=f"The body is not valid {self._encoding}: {exc.reason} at byte {exc.start}") from None
        if not raw and self._required:
            raise BadRequestProblem(detail="Request body is required")
        return None  # nothing to insert again: the handler reads the body as it came

    def _validate(self, body: Any) -> dict[str, Any] | None:
        return None


def validator_map() -> dict[str, Any]:
    body = {**VALIDATOR_MAP["body"], "*/*json": JSONBodyValidator, "application/x-ndjson": NDJSONBodyValidator}
    return {**VALIDATOR_MAP, "parameter": ClearParameterValidator, "body": MediaTypeDict(body)}
