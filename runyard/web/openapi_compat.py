"""The OpenAPI 3.0.3 rendition connexion is given, derived from runyard's 3.1 document.

The hand-written OpenAPI **3.1** document is the single source of truth. connexion 3.3
accepts only 3.0.x (it refuses ``openapi: 3.1.0``), validates with JSON Schema Draft 4
(plus 3.0's ``nullable``) and reads ``schema["type"]`` to cast parameters. Fed 3.1
constructs it drops ``const`` silently, answers 500 for ``type: [integer, "null"]`` or an
untyped parameter schema, and lets a ``$ref``'s target overwrite its siblings. So connexion
gets a 3.0.3 document derived mechanically from the 3.1 one, through its public
``AsyncApp.add_api(<dict>)``; ``scripts/generate`` writes it to
``generated/connexion/openapi30.json`` so a reviewer sees exactly what connexion loads.

Only the constructs runyard's document uses are converted, each to the same meaning under
Draft 4. Anything else raises ``ValueError`` naming its location: validation is never
weakened silently, and a new construct in the spec gets its rule (and its test in
``tests/test_openapi_compat.py``) before connexion sees it.

Document
  * ``openapi: 3.1.x`` -> ``3.0.3``; ``info.summary`` and ``info.license.identifier`` are
    removed (3.0 has neither). ``webhooks``, ``jsonSchemaDialect``, ``components.pathItems``,
    path item ``$ref``s, callbacks and form request bodies are refused.
  * A Reference Object outside schemas must be a bare ``$ref`` (3.0 allows nothing beside it).

Schemas
  * ``type: [X, "null"]`` -> ``type: X, nullable: true`` (refused beside an ``enum``, where
    connexion's ``nullable`` would bypass it).
  * ``{type: "null"}`` as a branch of ``anyOf``/``oneOf`` -> ``{nullable: true, enum: [null]}``
    (exactly null under Draft 4); the parent gets ``nullable: true`` when nothing beside the
    combinator could reject null.
  * ``const: v`` -> ``enum: [v]``, with the ``type`` of ``v`` when none is given.
  * A numeric ``exclusiveMinimum: n`` -> ``minimum: n, exclusiveMinimum: true``.
  * ``examples: [a, ...]`` -> ``example: a``.
  * ``$ref`` with sibling keywords -> ``allOf: [{$ref}]`` plus the siblings, so both apply.
  * Anything else 2020-12 has and Draft 4 lacks is refused: boolean schemas, ``prefixItems``,
    ``if``/``then``/``else``, ``$defs``, a ``type`` list with several non-null types, ...

Parameters
  * A parameter schema without a ``type`` gets the one every branch of its ``$ref``,
    ``anyOf`` or ``oneOf`` shares (refused when there is none); array items must be typed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

__all__ = ["CONNEXION_TESTED_VERSION", "to_openapi30"]

#: The connexion release this conversion was verified against (see the tests).
CONNEXION_TESTED_VERSION = "3.3.0"

_JSON = dict[str, Any]

_OPERATION_KEYS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Every JSON Schema keyword a Draft 4 schema in OpenAPI 3.0 may hold; any other is refused.
_DRAFT4_KEYWORDS = frozenset(
    {
        "type", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "exclusiveMinimum", "multipleOf", "minItems", "maxItems", "uniqueItems", "items",
        "properties", "required", "additionalProperties", "minProperties", "maxProperties",
        "allOf", "anyOf", "oneOf", "not", "$ref", "title", "description", "default", "example",
        "readOnly", "writeOnly", "deprecated", "externalDocs", "discriminator", "xml",
    }
)  # fmt: skip
# 3.1 keywords the rules below turn into Draft 4 ones.
_CONVERTED_KEYWORDS = frozenset({"const", "examples", "if", "then"})
# Keywords that never reject a value: beside one of them a combinator alone decides about null.
_ANNOTATION_KEYS = frozenset({"title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly"})
_FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def to_openapi30(doc: Mapping[str, Any]) -> _JSON:
    """A 3.0.3 rendition of the OpenAPI 3.1 document ``doc`` for connexion (``doc`` is left as it is).

    Raises ``ValueError`` for a document that is not 3.1.x or uses a construct this module has no rule for.
    """
    version = str(doc.get("openapi", ""))
    if not version.startswith("3.1."):
        raise ValueError(f"expected an OpenAPI 3.1.x document, got openapi={version!r}")
    for key in ("webhooks", "jsonSchemaDialect"):
        if key in doc:
            raise ValueError(f"#/{key}: not supported (runyard's document has none)")
    out: _JSON = copy.deepcopy(dict(doc))
    out["openapi"] = "3.0.3"
    info = out.get("info") or {}
    info.pop("summary", None)
    if isinstance(info.get("license"), dict):
        info["license"].pop("identifier", None)
    components = out.get("components") or {}
    if "pathItems" in components:
        raise ValueError("#/components/pathItems: not supported (runyard's document has none)")
    conv = _Converter()
    out["paths"] = {name: conv.path_item(item, f"#/paths/{_escape(name)}") for name, item in (out.get("paths") or {}).items()}
    if components:
        out["components"] = conv.components(components, "#/components")
    _ParameterTyper(out).run()  # on the converted document, so $refs resolve to 3.0 schemas
    return out


def _escape(token: str) -> str:
    """JSON-pointer escaping, for readable error locations."""
    return str(token).replace("~", "~0").replace("/", "~1")


def _json_type_of(value: Any) -> str:
    """The JSON Schema type name of a value decoded from YAML/JSON."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null"


def _is_null_only(schema: Any) -> bool:
    return isinstance(schema, dict) and set(schema) - _ANNOTATION_KEYS == {"type"} and schema["type"] == "null"


class _Converter:
    """A structural walk of a 3.1 document, rewriting its Schema Objects to 3.0.3."""

    def components(self, comps: _JSON, at: str) -> _JSON:
        for name, schema in (comps.get("schemas") or {}).items():
            comps["schemas"][name] = self.schema(schema, f"{at}/schemas/{_escape(name)}")
        kinds = {"parameters": self.parameter, "responses": self.response, "requestBodies": self.request_body, "headers": self.parameter}
        for kind, convert in kinds.items():
            for name, obj in (comps.get(kind) or {}).items():
                comps[kind][name] = convert(obj, f"{at}/{kind}/{_escape(name)}")
        if "callbacks" in comps:
            raise ValueError(f"{at}/callbacks: not supported (runyard's document has none)")
        for kind in ("examples", "links", "securitySchemes"):
            for name, obj in (comps.get(kind) or {}).items():
                self._reference(obj, f"{at}/{kind}/{_escape(name)}")
        return comps

    @staticmethod
    def _reference(obj: Any, at: str) -> bool:
        """Whether ``obj`` is a Reference Object (refused with anything beside its ``$ref``)."""
        if isinstance(obj, dict) and "$ref" in obj:
            if len(obj) > 1:
                raise ValueError(f"{at}: a Reference Object with {sorted(set(obj) - {'$ref'})} beside $ref is not supported in 3.0")
            return True
        return False

    def path_item(self, item: _JSON, at: str) -> _JSON:
        if "$ref" in item:
            raise ValueError(f"{at}: path item $refs are not supported (runyard's document has none)")
        if "parameters" in item:
            item["parameters"] = [self.parameter(p, f"{at}/parameters/{i}") for i, p in enumerate(item["parameters"])]
        for method in _OPERATION_KEYS:
            if isinstance(item.get(method), dict):
                item[method] = self.operation(item[method], f"{at}/{method}")
        return item

    def operation(self, op: _JSON, at: str) -> _JSON:
        if "callbacks" in op:
            raise ValueError(f"{at}/callbacks: not supported (runyard's document has none)")
        if "parameters" in op:
            op["parameters"] = [self.parameter(p, f"{at}/parameters/{i}") for i, p in enumerate(op["parameters"])]
        if "requestBody" in op:
            op["requestBody"] = self.request_body(op["requestBody"], f"{at}/requestBody")
        for code, response in (op.get("responses") or {}).items():
            op["responses"][code] = self.response(response, f"{at}/responses/{code}")
        return op

    def parameter(self, param: _JSON, at: str) -> _JSON:
        """A Parameter or Header Object (its `examples` is OpenAPI's map of Example Objects, left alone)."""
        if self._reference(param, at):
            return param
        if "schema" in param:
            param["schema"] = self.schema(param["schema"], f"{at}/schema")
        if "content" in param:
            param["content"] = self._content(param["content"], f"{at}/content")
        return param

    def request_body(self, body: _JSON, at: str) -> _JSON:
        if self._reference(body, at):
            return body
        for media_type in _FORM_MEDIA_TYPES:
            if media_type in (body.get("content") or {}):
                raise ValueError(f"{at}: {media_type} bodies are not supported (runyard's document has none)")
        if "content" in body:
            body["content"] = self._content(body["content"], f"{at}/content")
        return body

    def response(self, response: _JSON, at: str) -> _JSON:
        if self._reference(response, at):
            return response
        for name, header in (response.get("headers") or {}).items():
            response["headers"][name] = self.parameter(header, f"{at}/headers/{_escape(name)}")
        if "content" in response:
            response["content"] = self._content(response["content"], f"{at}/content")
        for name, link in (response.get("links") or {}).items():
            self._reference(link, f"{at}/links/{_escape(name)}")
        return response

    def _content(self, content: _JSON, at: str) -> _JSON:
        for media_type, media in content.items():
            if "encoding" in media:
                raise ValueError(f"{at}/{_escape(media_type)}/encoding: not supported (runyard's document has none)")
            if "schema" in media:
                media["schema"] = self.schema(media["schema"], f"{at}/{_escape(media_type)}/schema")
        return content

    def schema(self, schema: Any, at: str) -> _JSON:
        """One 3.1 Schema Object (recursively) as its 3.0.3 equivalent."""
        if not isinstance(schema, dict):
            raise ValueError(f"{at}: a schema must be an object (boolean schemas are not supported)")
        s: _JSON = dict(schema)
        unknown = sorted(k for k in s if k not in _DRAFT4_KEYWORDS | _CONVERTED_KEYWORDS and not k.startswith("x-"))
        if unknown:
            raise ValueError(f"{at}: JSON Schema keyword(s) {', '.join(unknown)} have no rule in runyard.web.openapi_compat")
        if isinstance(s.get("properties"), dict):
            s["properties"] = {name: self.schema(sub, f"{at}/properties/{_escape(name)}") for name, sub in s["properties"].items()}
        if "items" in s:
            s["items"] = self.schema(s["items"], f"{at}/items")
        if isinstance(s.get("additionalProperties"), dict):
            s["additionalProperties"] = self.schema(s["additionalProperties"], f"{at}/additionalProperties")
        if "not" in s:
            s["not"] = self.schema(s["not"], f"{at}/not")
        self._if_then(s, at)
        for key in ("allOf", "anyOf", "oneOf"):
            if isinstance(s.get(key), list):
                s[key] = [self._branch(sub, f"{at}/{key}/{i}", key) for i, sub in enumerate(s[key])]
        self._null_branches(s)
        self._examples(s)
        self._const(s, at)
        self._exclusive_minimum(s, at)
        self._type_and_null(s, at)
        return self._wrap_ref_with_siblings(s)

    @staticmethod
    def _if_then(s: _JSON, at: str) -> None:
        """`if: {not: {required: A}}, then: {required: B}` ("without A, B is required") is `anyOf: [{required: A},
        {required: B}]`, which 3.0 has; written with if/then in 3.1 because code generators turn an anyOf of
        objects into two models, and the rule is one object's."""
        if "if" not in s and "then" not in s:
            return
        condition, consequence = s.pop("if", None), s.pop("then", None)
        negated = condition.get("not") if isinstance(condition, dict) and set(condition) == {"not"} else None
        if (
            not (isinstance(negated, dict) and set(negated) == {"required"} and isinstance(consequence, dict) and set(consequence) == {"required"})
            or "anyOf" in s
        ):
            raise ValueError(f"{at}: only if: {{not: {{required: [...]}}}}, then: {{required: [...]}} is supported")
        s["anyOf"] = [{"required": list(negated["required"])}, {"required": list(consequence["required"])}]

    def _branch(self, sub: Any, at: str, key: str) -> _JSON:
        if key != "allOf" and _is_null_only(sub):
            return {"nullable": True, "enum": [None]}  # exactly null, under Draft 4 as under 2020-12
        return self.schema(sub, at)

    @staticmethod
    def _null_branches(s: _JSON) -> None:
        """connexion lets null through its parameter and body shortcuts only for a `nullable` schema:
        mark the parent so when a combinator admits null and nothing beside it could reject null."""
        for key in ("anyOf", "oneOf"):
            if any(branch == {"nullable": True, "enum": [None]} for branch in s.get(key) or []):
                constraining = {"type", "enum", "const", "allOf", "$ref"} | ({"anyOf", "oneOf"} - {key})
                if not constraining & (set(s) - {key}):
                    s["nullable"] = True

    @staticmethod
    def _examples(s: _JSON) -> None:
        examples = s.pop("examples", None)
        if isinstance(examples, list) and examples:
            s.setdefault("example", examples[0])

    @staticmethod
    def _const(s: _JSON, at: str) -> None:
        if "const" not in s:
            return
        if "enum" in s:
            raise ValueError(f"{at}: const beside enum is not supported (runyard's document has none)")
        value = s.pop("const")
        s["enum"] = [value]
        s.setdefault("type", _json_type_of(value))
        if s["type"] == "null":
            raise ValueError(f"{at}: const null is not supported (runyard's document has none)")

    @staticmethod
    def _exclusive_minimum(s: _JSON, at: str) -> None:
        if "exclusiveMaximum" in s:
            raise ValueError(f"{at}: exclusiveMaximum is not supported (runyard's document has none)")
        bound = s.get("exclusiveMinimum")
        if bound is None:
            return
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or "minimum" in s:
            raise ValueError(f"{at}: exclusiveMinimum must be a number, without minimum beside it")
        s["minimum"] = bound
        s["exclusiveMinimum"] = True

    @staticmethod
    def _type_and_null(s: _JSON, at: str) -> None:
        type_ = s.get("type")
        if isinstance(s.get("enum"), list) and None in s["enum"]:
            raise ValueError(f"{at}: null in an enum is not supported (runyard's document has none)")
        if not isinstance(type_, list):
            if type_ == "null":
                raise ValueError(f"{at}: type null outside anyOf/oneOf is not supported (runyard's document has none)")
            return
        non_null = [t for t in type_ if t != "null"]
        if len(non_null) != 1:
            raise ValueError(f"{at}: type {type_!r} needs exactly one non-null type for connexion (OpenAPI 3.0); use anyOf/oneOf")
        if "null" in type_ and "enum" in s:
            raise ValueError(f"{at}: a nullable type beside an enum is not supported (connexion's nullable would bypass the enum)")
        s["type"] = non_null[0]
        if "null" in type_:
            s["nullable"] = True

    @staticmethod
    def _wrap_ref_with_siblings(s: _JSON) -> _JSON:
        if "$ref" not in s or len(s) == 1:
            return s
        ref = {"$ref": s.pop("$ref")}
        s["allOf"] = [ref, *s.get("allOf", [])]
        return s


class _ParameterTyper:
    """Give every parameter schema an explicit ``type``: connexion reads ``schema["type"]`` to
    cast the value from its string, and answers 500 without one."""

    def __init__(self, doc: _JSON) -> None:
        self._doc = doc

    def run(self) -> None:
        for name, item in (self._doc.get("paths") or {}).items():
            at = f"#/paths/{_escape(name)}"
            self._params(item.get("parameters"), f"{at}/parameters")
            for method in _OPERATION_KEYS:
                if isinstance(item.get(method), dict):
                    self._params(item[method].get("parameters"), f"{at}/{method}/parameters")
        for name, param in ((self._doc.get("components") or {}).get("parameters") or {}).items():
            self._param(param, f"#/components/parameters/{_escape(name)}")

    def _params(self, params: list[Any] | None, at: str) -> None:
        for i, param in enumerate(params or []):
            self._param(param, f"{at}/{i}")

    def _param(self, param: _JSON, at: str) -> None:
        if "$ref" in param or "schema" not in param:
            return  # typed where it is defined; `content` parameters are not cast
        schema = param["schema"]
        if not isinstance(self._deref(schema).get("type"), str):
            inferred = self._infer_type(schema, frozenset())
            if inferred is None:
                raise ValueError(f"{at}/schema: cannot infer a single type for this parameter; connexion needs one to cast it -- add a `type`")
            if set(schema) == {"$ref"}:
                param["schema"] = {"allOf": [schema], "type": inferred}  # the target is shared: leave it alone
            else:
                schema["type"] = inferred
        target = self._deref(param["schema"])
        if target.get("type") == "array" and not isinstance(self._deref(target.get("items")).get("type"), str):
            raise ValueError(f"{at}/schema/items: array parameter items need a `type` for connexion to cast them")

    def _infer_type(self, schema: Any, seen: frozenset[str]) -> str | None:
        """The single JSON type every non-null value of ``schema`` has, if there is one."""
        if not isinstance(schema, dict):
            return None
        if isinstance(schema.get("type"), str):
            return str(schema["type"])
        if "$ref" in schema and schema["$ref"] not in seen:
            found = self._infer_type(self._deref({"$ref": schema["$ref"]}), seen | {schema["$ref"]})
            if found is not None:
                return found
        for sub in schema.get("allOf") or []:
            found = self._infer_type(sub, seen)
            if found is not None:
                return found
        for key in ("anyOf", "oneOf"):
            kinds = {self._infer_type(b, seen) for b in schema.get(key) or [] if b.get("enum") != [None]}
            if len(kinds) == 1 and None not in kinds:
                return kinds.pop()
        return None

    def _deref(self, obj: Any) -> _JSON:
        seen: set[str] = set()
        while isinstance(obj, dict) and "$ref" in obj and obj["$ref"] not in seen:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"only local $refs are supported, got {ref!r}")
            seen.add(ref)
            obj = self._doc
            for token in ref[2:].split("/"):
                obj = obj[token.replace("~1", "/").replace("~0", "~")]
        return obj if isinstance(obj, dict) else {}
