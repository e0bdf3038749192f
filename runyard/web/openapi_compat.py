"""Derive the OpenAPI 3.0.3 rendition that connexion is given from runyard's 3.1 document.

Why this module exists
----------------------
The hand-written OpenAPI **3.1** document is the single source of truth. connexion
3.3 only accepts 3.0.x (it validates the spec against the 3.0 meta-schema, refusing
``openapi: 3.1.0``), validates requests with JSON Schema Draft 4 (plus 3.0's
``nullable``), and indexes ``schema["type"]`` when casting parameters. Fed 3.1
constructs it silently drops ``const``, returns 500 for ``type: [integer, "null"]``
or untyped parameter schemas, and resolves a ``$ref`` by letting the target overwrite
its siblings. So we give connexion a 3.0.3 document derived mechanically from the
3.1 one, via its public ``AsyncApp.add_api(<dict>)``, with no patching of connexion.

The goal is "same meaning for connexion's Draft 4 validation". Where that cannot be
guaranteed, the conversion raises ``ValueError`` naming the location rather than
quietly weakening validation.

Rules (all applied only where the 3.1 document actually means a Schema Object; the
document is walked structurally, so e.g. the ``examples`` *map* of a parameter or
media type is never confused with the JSON Schema ``examples`` keyword):

Document level
  * ``openapi: 3.1.x`` -> ``3.0.3``; anything else is rejected.
  * ``webhooks``, ``jsonSchemaDialect``, ``info.summary``, ``info.license.identifier``
    and ``components.pathItems`` are removed (3.0 has none of them); path items that
    ``$ref`` a ``components.pathItems`` entry are inlined first. ``paths`` is added
    when absent (required in 3.0).
  * A Reference Object outside schemas (parameter, response, request body, header,
    example, link, callback, security scheme) keeps only its ``$ref``: 3.1 allows
    ``summary``/``description`` overrides there, 3.0 does not.

Schema level
  * ``type: [X, "null"]`` -> ``type: X, nullable: true``. When an ``enum`` at the same
    level does not contain ``null`` the value null stays invalid, so ``nullable`` is
    *not* set (connexion's ``nullable`` would otherwise bypass the enum).
  * ``type: "null"`` -> ``nullable: true, enum: [null]`` (Draft 4 accepts exactly null).
  * ``anyOf``/``oneOf`` with ``{type: "null"}`` branches: a single remaining typed
    inline branch is collapsed into its parent with ``nullable: true`` (``null`` added
    to its ``enum``, if any). Otherwise (e.g. the remaining branch is a ``$ref``) the
    null branch becomes ``{nullable: true, enum: [null]}`` in place -- an inherited
    ``nullable`` on an ``allOf`` wrapper would *not* let null through Draft 4 -- and
    the parent gets ``nullable: true`` when nothing else at its level constrains null.
  * ``const: v`` -> ``enum: [v]`` (intersected with an existing ``enum``), plus a
    ``type`` inferred from ``v`` when absent.
  * Numeric ``exclusiveMinimum: n`` / ``exclusiveMaximum: n`` -> ``minimum: n,
    exclusiveMinimum: true`` (resp. maximum), keeping an inclusive bound that is
    stricter.
  * ``examples: [a, ...]`` -> ``example: a`` (an existing ``example`` wins).
  * ``$ref`` with sibling keywords -> ``allOf: [{$ref}]`` plus the siblings, so the
    siblings apply alongside the target instead of being overwritten by it.
  * ``$schema``, ``$id``, ``$anchor``, ``$dynamicAnchor``, ``$comment``,
    ``contentMediaType``, ``contentEncoding``, ``contentSchema`` are removed
    (annotations only).
  * Boolean schemas: ``true`` -> ``{}``, ``false`` -> ``{not: {}}`` (except as
    ``additionalProperties``, where 3.0 allows booleans).
  * ``prefixItems``, ``type`` lists with several non-null types, and other 2020-12
    validation keywords 3.0 cannot express (``patternProperties``, ``if``/``then``/
    ``else``, ``dependent*``, ``unevaluated*``, ``contains``, ``propertyNames``,
    ``$defs``, ``$dynamicRef``) raise ``ValueError``.

Parameters (what connexion needs to cast values without a 500)
  * A parameter schema -- and the ``items`` of an array parameter, and the
    ``properties`` of an object (deepObject) parameter, and the properties of a form
    request body -- gets a ``type`` inferred from ``enum``/``$ref``/``allOf``/
    ``anyOf``/``oneOf`` when it has none. If no single type can be inferred,
    ``ValueError`` names the location.
"""

from __future__ import annotations

import copy
import importlib.metadata
import pathlib
import warnings
from collections.abc import Mapping
from typing import Any

import yaml

__all__ = [
    "CONNEXION_TESTED_VERSION",
    "check_connexion_version",
    "connexion_spec",
    "load_openapi31",
    "to_openapi30",
]

#: The connexion release this conversion was verified against (see the tests).
CONNEXION_TESTED_VERSION = "3.3.0"

_JSON = dict[str, Any]

_OPERATION_KEYS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# JSON Schema keywords that are pure annotations (or identifiers) in 3.1 and not
# allowed in a 3.0 Schema Object: removing them does not change validation.
_DROPPED_SCHEMA_KEYS = frozenset(
    {
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$comment",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
    }
)

# 2020-12 keywords with validation meaning that neither OpenAPI 3.0 nor connexion's
# Draft 4 validator can express; dropping them would silently weaken validation.
_UNSUPPORTED_SCHEMA_KEYS = frozenset(
    {
        "prefixItems",
        "patternProperties",
        "propertyNames",
        "dependentRequired",
        "dependentSchemas",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "$defs",
        "definitions",
        "$dynamicRef",
        "$recursiveRef",
    }
)

# Keywords that never reject a value; used to decide whether an anyOf/oneOf null
# branch can be collapsed into its parent without changing meaning.
_ANNOTATION_KEYS = frozenset(
    {
        "title",
        "description",
        "default",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "externalDocs",
        "xml",
    }
)

# Draft 4 validation keywords whose subschemas could reject null on their own.
_NULL_CONSTRAINING_KEYS = frozenset({"type", "enum", "const", "allOf", "not", "$ref"})

_FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


# --------------------------------------------------------------------------- public API


def to_openapi30(doc: Mapping[str, Any]) -> _JSON:
    """Return a 3.0.3 rendition of the OpenAPI 3.1 document ``doc`` for connexion.

    Pure: ``doc`` is deep-copied and never modified. Raises ``ValueError`` for input
    that is not OpenAPI 3.1.x or uses constructs connexion cannot validate faithfully.
    """
    version = str(doc.get("openapi", ""))
    if not version.startswith("3.1."):
        raise ValueError(f"expected an OpenAPI 3.1.x document, got openapi={version!r}")

    out: _JSON = copy.deepcopy(dict(doc))
    out["openapi"] = "3.0.3"
    for key in ("webhooks", "jsonSchemaDialect"):
        out.pop(key, None)
    info = out.get("info")
    if isinstance(info, dict):
        info.pop("summary", None)
        if isinstance(info.get("license"), dict):
            info["license"].pop("identifier", None)

    components = out.get("components")
    if not isinstance(components, dict):
        components = {}
    path_item_defs = components.pop("pathItems", None) or {}

    conv = _Converter(path_item_defs)
    out["paths"] = {
        name: conv.path_item(item, f"#/paths/{_escape(name)}")
        for name, item in (out.get("paths") or {}).items()
    }
    if components:
        out["components"] = conv.components(components, "#/components")

    # Second pass, on the converted document so $refs resolve to 3.0 schemas.
    _ParameterTyper(out).run()
    return out


def load_openapi31(path: pathlib.Path) -> _JSON:
    """Load a single-file OpenAPI 3.1 YAML (or JSON) document."""
    with pathlib.Path(path).open(encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: not an OpenAPI document (top level is not a mapping)")
    return loaded


def connexion_spec(path: pathlib.Path) -> _JSON:
    """Load the 3.1 document at ``path`` and return the 3.0.3 rendition for
    ``connexion.AsyncApp.add_api``. Warns if connexion is not the tested version."""
    check_connexion_version()
    return to_openapi30(load_openapi31(path))


def check_connexion_version() -> str | None:
    """Warn (``UserWarning``) when the installed connexion is not the version this
    conversion was tested with. Returns the installed version (None if absent)."""
    try:
        installed = importlib.metadata.version("connexion")
    except importlib.metadata.PackageNotFoundError:
        return None
    if installed != CONNEXION_TESTED_VERSION:
        warnings.warn(
            f"runyard.web.openapi_compat was tested with connexion "
            f"{CONNEXION_TESTED_VERSION}, but {installed} is installed; re-run "
            f"tests/test_openapi_compat.py before trusting request validation",
            stacklevel=2,
        )
    return installed


# --------------------------------------------------------------------------- helpers


def _escape(token: str) -> str:
    """JSON-pointer escaping, for readable error locations."""
    return str(token).replace("~", "~0").replace("/", "~1")


def _json_type_of(value: Any) -> str | None:
    """The JSON Schema type name of a Python value decoded from YAML/JSON."""
    if isinstance(value, bool):  # before int: bool is a subclass of int
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None  # None -> null


def _is_null_only(schema: Any) -> bool:
    """True for a 3.1 schema that accepts null and nothing else, e.g. {type: "null"}."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    validating = set(schema) - _ANNOTATION_KEYS
    type_ = schema.get("type")
    if validating == {"type"}:
        return type_ == "null" or type_ == ["null"]
    if validating == {"const"}:
        return schema["const"] is None
    if validating == {"enum"}:
        return schema["enum"] == [None]
    return False


def _with_null_allowed(branch: _JSON) -> _JSON:
    """3.1 rewrite of ``branch`` that additionally accepts null (for collapsing)."""
    merged = dict(branch)
    type_ = merged["type"]
    types = type_ if isinstance(type_, list) else [type_]
    if "null" not in types:
        merged["type"] = [*types, "null"]
    if "const" in merged:
        merged["enum"] = [merged.pop("const"), None]
    elif "enum" in merged and None not in merged["enum"]:
        merged["enum"] = [*merged["enum"], None]
    return merged


# --------------------------------------------------------------------------- pass 1


class _Converter:
    """Structural walk of a 3.1 document, rewriting Schema Objects to 3.0.3."""

    def __init__(self, path_item_defs: Mapping[str, Any]) -> None:
        self._path_item_defs = path_item_defs

    # ---- non-schema OpenAPI objects

    def components(self, comps: _JSON, at: str) -> _JSON:
        for name, schema in (comps.get("schemas") or {}).items():
            comps["schemas"][name] = self.schema(schema, f"{at}/schemas/{_escape(name)}")
        kinds = {
            "parameters": self.parameter,
            "responses": self.response,
            "requestBodies": self.request_body,
            "headers": self.header,
            "callbacks": self.callback,
        }
        for kind, convert in kinds.items():
            for name, obj in (comps.get(kind) or {}).items():
                comps[kind][name] = convert(obj, f"{at}/{kind}/{_escape(name)}")
        for kind in ("examples", "links", "securitySchemes"):
            for name, obj in (comps.get(kind) or {}).items():
                comps[kind][name] = self._bare_ref(obj)
        return comps

    @staticmethod
    def _bare_ref(obj: Any) -> Any:
        """A 3.0 Reference Object may carry nothing but ``$ref``."""
        if isinstance(obj, dict) and "$ref" in obj:
            return {"$ref": obj["$ref"]}
        return obj

    def path_item(self, item: _JSON, at: str) -> _JSON:
        ref = item.get("$ref")
        prefix = "#/components/pathItems/"
        if isinstance(ref, str) and ref.startswith(prefix):
            # components.pathItems does not exist in 3.0: inline the target.
            target = self._path_item_defs.get(ref[len(prefix) :])
            if target is None:
                raise ValueError(f"{at}: unresolvable path item $ref {ref!r}")
            local = {k: v for k, v in item.items() if k != "$ref"}
            item = {**copy.deepcopy(target), **local}
            return self.path_item(item, at)
        if "parameters" in item:
            item["parameters"] = self._parameters(item["parameters"], f"{at}/parameters")
        for method in _OPERATION_KEYS:
            if isinstance(item.get(method), dict):
                item[method] = self.operation(item[method], f"{at}/{method}")
        return item

    def operation(self, op: _JSON, at: str) -> _JSON:
        if "parameters" in op:
            op["parameters"] = self._parameters(op["parameters"], f"{at}/parameters")
        if "requestBody" in op:
            op["requestBody"] = self.request_body(op["requestBody"], f"{at}/requestBody")
        for code, response in (op.get("responses") or {}).items():
            op["responses"][code] = self.response(response, f"{at}/responses/{code}")
        for name, cb in (op.get("callbacks") or {}).items():
            op["callbacks"][name] = self.callback(cb, f"{at}/callbacks/{_escape(name)}")
        return op

    def callback(self, cb: _JSON, at: str) -> _JSON:
        if "$ref" in cb:
            return self._bare_ref(cb)
        return {expr: self.path_item(item, f"{at}/{_escape(expr)}") for expr, item in cb.items()}

    def _parameters(self, params: list[Any], at: str) -> list[Any]:
        return [self.parameter(p, f"{at}/{i}") for i, p in enumerate(params)]

    def parameter(self, param: _JSON, at: str) -> _JSON:
        # Parameter and Header Objects share schema/content; `examples` here is the
        # OpenAPI map of Example Objects and is left alone.
        if "$ref" in param:
            return self._bare_ref(param)
        if "schema" in param:
            param["schema"] = self.schema(param["schema"], f"{at}/schema")
        if "content" in param:
            param["content"] = self._content(param["content"], f"{at}/content")
        return param

    header = parameter

    def request_body(self, body: _JSON, at: str) -> _JSON:
        if "$ref" in body:
            return self._bare_ref(body)
        if "content" in body:
            body["content"] = self._content(body["content"], f"{at}/content")
        return body

    def response(self, response: _JSON, at: str) -> _JSON:
        if "$ref" in response:
            return self._bare_ref(response)
        for name, header in (response.get("headers") or {}).items():
            response["headers"][name] = self.header(header, f"{at}/headers/{_escape(name)}")
        if "content" in response:
            response["content"] = self._content(response["content"], f"{at}/content")
        for name, link in (response.get("links") or {}).items():
            response["links"][name] = self._bare_ref(link)
        return response

    def _content(self, content: _JSON, at: str) -> _JSON:
        for media_type, media in content.items():
            where = f"{at}/{_escape(media_type)}"
            if "schema" in media:
                media["schema"] = self.schema(media["schema"], f"{where}/schema")
            for name, encoding in (media.get("encoding") or {}).items():
                for hname, header in (encoding.get("headers") or {}).items():
                    encoding["headers"][hname] = self.header(
                        header, f"{where}/encoding/{_escape(name)}/headers/{_escape(hname)}"
                    )
        return content

    # ---- Schema Objects

    def schema(self, schema: Any, at: str) -> Any:
        """Convert one 3.1 Schema Object (recursively) to its 3.0.3 equivalent."""
        if schema is True:
            return {}
        if schema is False:
            return {"not": {}}
        if not isinstance(schema, dict):
            raise ValueError(f"{at}: a schema must be an object or a boolean")
        s: _JSON = dict(schema)

        unsupported = sorted(_UNSUPPORTED_SCHEMA_KEYS & s.keys())
        if unsupported:
            raise ValueError(
                f"{at}: JSON Schema keyword(s) {', '.join(unsupported)} cannot be expressed "
                f"in OpenAPI 3.0 / Draft 4 and are not supported by runyard.web.openapi_compat"
            )
        for key in _DROPPED_SCHEMA_KEYS:
            s.pop(key, None)

        s = self._lift_null_branches(s)

        # Recurse into subschemas (before the local rules, which only look at this level).
        if isinstance(s.get("properties"), dict):
            s["properties"] = {
                name: self.schema(sub, f"{at}/properties/{_escape(name)}")
                for name, sub in s["properties"].items()
            }
        if "items" in s:
            if isinstance(s["items"], list):
                raise ValueError(f"{at}/items: tuple-form items is not supported")
            s["items"] = self.schema(s["items"], f"{at}/items")
        if isinstance(s.get("additionalProperties"), dict):
            s["additionalProperties"] = self.schema(
                s["additionalProperties"], f"{at}/additionalProperties"
            )
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(s.get(key), list):
                s[key] = [self.schema(sub, f"{at}/{key}/{i}") for i, sub in enumerate(s[key])]
        if "not" in s:
            s["not"] = self.schema(s["not"], f"{at}/not")

        self._examples(s)
        self._const(s, at)
        self._exclusive_bounds(s)
        self._type_and_null(s, at)
        return self._wrap_ref_with_siblings(s)

    def _lift_null_branches(self, s: _JSON) -> _JSON:
        """Handle ``anyOf``/``oneOf`` branches that only accept null (3.1 -> 3.1 rewrite)."""
        for key in ("anyOf", "oneOf"):
            branches = s.get(key)
            if not isinstance(branches, list) or not any(map(_is_null_only, branches)):
                continue
            rest = [b for b in branches if not _is_null_only(b)]
            siblings = {k: v for k, v in s.items() if k != key}
            only = rest[0] if len(rest) == 1 else None
            if (
                isinstance(only, dict)
                and "$ref" not in only
                and "type" in only
                and set(siblings) <= _ANNOTATION_KEYS | {k for k in siblings if k.startswith("x-")}
            ):
                # {anyOf: [{type: string, ...}, {type: null}], description: d}
                #   -> {type: [string, null], ..., description: d}
                return self._lift_null_branches({**_with_null_allowed(only), **siblings})
            # Keep the combinator; each null branch is converted by the `type: null`
            # rule into {nullable: true, enum: [null]} (exact under Draft 4). Mark the
            # parent nullable for connexion's parameter/body shortcuts only when
            # nothing else at this level could reject null.
            others = {"anyOf", "oneOf"} - {key}
            if not (_NULL_CONSTRAINING_KEYS | others) & siblings.keys():
                s["nullable"] = True
        return s

    @staticmethod
    def _examples(s: _JSON) -> None:
        examples = s.pop("examples", None)
        if isinstance(examples, list) and examples:
            s.setdefault("example", examples[0])

    @staticmethod
    def _const(s: _JSON, at: str) -> None:
        if "const" not in s:
            return
        value = s.pop("const")
        if "enum" in s:
            if value not in s["enum"]:
                raise ValueError(f"{at}: const {value!r} is not in enum; schema is unsatisfiable")
        s["enum"] = [value]
        inferred = _json_type_of(value)
        if inferred is not None and "type" not in s:
            s["type"] = inferred

    @staticmethod
    def _exclusive_bounds(s: _JSON) -> None:
        for exclusive, inclusive, stricter in (
            ("exclusiveMinimum", "minimum", lambda n, m: n >= m),
            ("exclusiveMaximum", "maximum", lambda n, m: n <= m),
        ):
            bound = s.get(exclusive)
            if isinstance(bound, bool) or not isinstance(bound, (int, float)):
                continue  # absent, or already 3.0-style boolean
            del s[exclusive]
            current = s.get(inclusive)
            if current is None or stricter(bound, current):
                s[inclusive] = bound
                s[exclusive] = True
            # else: the inclusive bound already excludes `bound`; keep it alone.

    @staticmethod
    def _type_and_null(s: _JSON, at: str) -> None:
        type_ = s.get("type")
        if type_ is None:
            # e.g. `const: null` or `enum: [a, null]`: Draft 4 already accepts null via
            # the enum; tell connexion too (its parameter/body null handling).
            if isinstance(s.get("enum"), list) and None in s["enum"]:
                s["nullable"] = True
            return
        types = type_ if isinstance(type_, list) else [type_]
        non_null = [t for t in types if t != "null"]
        if len(non_null) > 1:
            raise ValueError(
                f"{at}: type {type_!r} has more than one non-null type; connexion "
                f"(OpenAPI 3.0) needs a single type -- use anyOf/oneOf instead"
            )
        enum = s.get("enum")
        if not non_null:  # `type: "null"` accepts exactly null
            del s["type"]
            s["enum"] = [v for v in enum if v is None] if isinstance(enum, list) else [None]
            if not s["enum"]:
                raise ValueError(f"{at}: type null with an enum lacking null is unsatisfiable")
            s["nullable"] = True
            return
        s["type"] = non_null[0]
        if "null" in types:
            # connexion's nullable also bypasses `enum`; in 3.1 an enum without null
            # still rejects null, so only mark nullable when null really is valid.
            if not isinstance(enum, list) or None in enum:
                s["nullable"] = True

    @staticmethod
    def _wrap_ref_with_siblings(s: _JSON) -> _JSON:
        if "$ref" not in s or len(s) == 1:
            return s
        ref = {"$ref": s.pop("$ref")}
        s["allOf"] = [ref, *s.get("allOf", [])]
        return s


# --------------------------------------------------------------------------- pass 2


class _ParameterTyper:
    """Give every schema connexion casts from strings (parameters, their array items
    and object properties, form fields) an explicit ``type``; connexion reads
    ``schema["type"]`` directly and would answer 500 without one."""

    def __init__(self, doc: _JSON) -> None:
        self._doc = doc

    def run(self) -> None:
        for name, item in (self._doc.get("paths") or {}).items():
            at = f"#/paths/{_escape(name)}"
            self._params(item.get("parameters"), f"{at}/parameters")
            for method in _OPERATION_KEYS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                self._params(op.get("parameters"), f"{at}/{method}/parameters")
                body = self._deref(op.get("requestBody"))
                for media_type in _FORM_MEDIA_TYPES:
                    media = ((body or {}).get("content") or {}).get(media_type)
                    if media and "schema" in media:
                        self._object_properties(
                            media["schema"], f"{at}/{method}/requestBody/{_escape(media_type)}"
                        )
        comps = self._doc.get("components") or {}
        for name, param in (comps.get("parameters") or {}).items():
            self._param(param, f"#/components/parameters/{_escape(name)}")

    def _params(self, params: list[Any] | None, at: str) -> None:
        for i, param in enumerate(params or []):
            self._param(param, f"{at}/{i}")

    def _param(self, param: _JSON, at: str) -> None:
        if "$ref" in param or "schema" not in param:
            return  # typed where it is defined; `content` params are not cast
        self._ensure_typed(param, "schema", f"{at}/schema")
        schema = self._deref(param["schema"])
        if schema.get("type") == "array" and "items" in schema:
            self._ensure_typed(schema, "items", f"{at}/schema/items")
        elif schema.get("type") == "object":
            self._object_properties(schema, f"{at}/schema")

    def _object_properties(self, schema: _JSON, at: str) -> None:
        schema = self._deref(schema)
        for name in list(schema.get("properties") or {}):
            where = f"{at}/properties/{_escape(name)}"
            self._ensure_typed(schema["properties"], name, where)
            sub = self._deref(schema["properties"][name])
            if sub.get("type") == "object":
                self._object_properties(sub, where)

    def _ensure_typed(self, holder: _JSON, key: str, at: str) -> None:
        schema = holder[key]
        if isinstance(self._deref(schema).get("type"), str):
            return
        inferred = self._infer_type(schema, frozenset())
        if inferred is None:
            raise ValueError(
                f"{at}: cannot infer a single type for this parameter schema; connexion "
                f"needs one to cast the value -- add an explicit `type`"
            )
        if set(schema) == {"$ref"}:
            holder[key] = {"allOf": [schema], "type": inferred}  # don't edit the target
        else:
            schema["type"] = inferred

    def _infer_type(self, schema: Any, seen: frozenset[str]) -> str | None:
        """The single JSON type every non-null value of ``schema`` must have, if known."""
        if not isinstance(schema, dict):
            return None
        if isinstance(schema.get("type"), str):
            return schema["type"]
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref in seen:
                return None
            found = self._infer_type(self._resolve(ref), seen | {ref})
            if found is not None:
                return found
        if isinstance(schema.get("enum"), list):
            kinds = {_json_type_of(v) for v in schema["enum"] if v is not None}
            if kinds == {"integer", "number"}:
                kinds = {"number"}
            if len(kinds) == 1:
                return kinds.pop()
        for sub in schema.get("allOf") or []:
            found = self._infer_type(sub, seen)
            if found is not None:
                return found
        for key in ("anyOf", "oneOf"):
            branches = [b for b in schema.get(key) or [] if b.get("enum") != [None]]
            kinds = {self._infer_type(b, seen) for b in branches}
            if len(kinds) == 1 and None not in kinds:
                return kinds.pop()
        return None

    def _resolve(self, ref: str) -> _JSON:
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, got {ref!r}")
        node: Any = self._doc
        for token in ref[2:].split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node

    def _deref(self, obj: Any) -> _JSON:
        seen: set[str] = set()
        while isinstance(obj, dict) and "$ref" in obj and obj["$ref"] not in seen:
            seen.add(obj["$ref"])
            obj = self._resolve(obj["$ref"])
        return obj if isinstance(obj, dict) else {}
