"""The OpenAPI 3.1 document, parsed once per process, and validators for its schemas."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from runyard.settings import SPEC_PATH

# The methods a path item may hold an operation under.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# libyaml's loader when PyYAML has it: the spec parses several times faster than with the pure-Python one.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> tuple[str, str]:
    text = path.read_text()
    # Kept as JSON text: each caller gets its own copy to change as it likes (json is faster than deepcopy).
    return text, json.dumps(yaml.load(text, Loader=_Loader))


def spec_text(path: Path = SPEC_PATH) -> str:
    return _load(path, path.stat().st_mtime_ns)[0]


def load_spec(path: Path = SPEC_PATH) -> dict[str, Any]:
    """A fresh copy of the parsed document (callers may change it)."""
    loaded: dict[str, Any] = json.loads(_load(path, path.stat().st_mtime_ns)[1])
    return loaded


@functools.lru_cache(maxsize=16)
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A JSON Schema 2020-12 validator for `components.schemas.<name>`, its `$ref`s resolved within the document."""
    document = load_spec()
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
