"""Clear 400 messages for invalid parameters, through connexion's public `validator_map`.

connexion 3.3 answers an invalid parameter with jsonschema's whole report
(the schema dumped, several lines). Users get one line naming the parameter
and, for an enumerated one, every valid value.
"""

from __future__ import annotations

import copy
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, ParameterValidator
from jsonschema import Draft4Validator, ValidationError

_FORMAT_CHECKER = Draft4Validator.FORMAT_CHECKER


def parameter_message(parameter_type: str, name: str, value: Any, error: ValidationError) -> str:
    enum = error.schema.get("enum") if isinstance(error.schema, dict) else None
    if error.validator == "enum" and enum:
        return f"Invalid {name} {value!r}; valid values are: {', '.join(map(str, enum))}"
    return f"Invalid {parameter_type} parameter {name!r}: {error.message}"


class ClearParameterValidator(ParameterValidator):
    @staticmethod
    def validate_parameter(parameter_type: str, value: Any, param: dict, param_name: str | None = None) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            schema = copy.deepcopy(param.get("schema", param))
            try:
                Draft4Validator(schema, format_checker=_FORMAT_CHECKER).validate(value)
            except ValidationError as error:
                return parameter_message(parameter_type, param.get("name", param_name or "?"), value, error)
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter {param['name']!r}"
        return None


def validator_map() -> dict[str, Any]:
    return {**VALIDATOR_MAP, "parameter": ClearParameterValidator, "body": MediaTypeDict(dict(VALIDATOR_MAP["body"]))}
