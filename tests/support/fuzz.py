"""Malformed requests made from openapi/runyard.yaml, for tests/test_fuzz.py: every operation, seeded, no clock.

Each `Case` is one raw request (method, URL as sent, headers, body bytes) with what the contract
says of it, decided from the spec and not from the server:

* `must_refuse`: the request is malformed by the spec (a body or parameter its schema refuses, a
  body that is not UTF-8 or not JSON, a body nested past 64 levels or holding NUL or NaN, a media
  type other than application/json, an unknown parameter, an invalid key): the answer must be a 4xx
  and nothing may be stored. So is a body whose kept parts hold what no store can keep as JSON: a
  lone surrogate escape (`"\ud800"`: not Unicode text; tests/test_bad_input.py already refuses it in
  two places) or a number beyond a double's range (`1e400` reads as Infinity, which "is not JSON").
  Properties the spec says are ignored (Trigger.dev's `context`, TrueFoundry's `metadata`) may hold those.
* otherwise it is odd but may be valid (an emoji in a filter, a body on a GET, a 5000-digit number
  in a run's free-form input): any answer but a 5xx, and a refusal stores nothing.

`expect` pins the status where the contract names it (401 for an invalid key, 413 for a body over
the limit). Keys are named by role (`Case.key`) and filled in when the case is sent.

Generation depends only on the spec, `Seeds` (the ids of the runs the store was seeded with) and
a `random.Random` seeded per operation with the operation's name: the same cases every time.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import jsonschema

from runyard.domain.values import MAX_JSON_DEPTH
from runyard.spec import HTTP_METHODS, load_spec

# A well-formed run id (TriggerCursor's pattern) that no run has.
MISSING_RUN = "run_00000000000000000000000000"
MISSING_KEY = "key_00000000000000000000000000"
MISSING_BATCH = "batch_" + "0" * 26  # no batch has it: its items and its retrieval answer 404
# One valid batch item, and lines that are not (runyard.dialects.trigger.batch_items).
NDJSON_ITEM = b'{"index": 0, "task": "demo", "payload": "{\\"json\\":{\\"n\\":0}}", "options": {"payloadType": "application/super+json"}}\n'
NDJSON_TYPE = (("content-type", b"application/x-ndjson"),)
NDJSON_MALFORMED = [
    ("not json", b"{not json\n"),
    ("no index", b'{"task": "demo"}\n'),
    ("negative index", b'{"index": -1, "task": "demo"}\n'),
    ("task not a string", b'{"index": 0, "task": 5}\n'),
    ("not utf-8", b"\xff\xfe{}\n"),
    ("a gap in the indexes", b'{"index": 0, "task": "demo"}\n{"index": 2, "task": "demo"}\n'),
    ("a list", b"[1, 2]\n"),
]
MISSING_SCHEDULE = "sched_" + "0" * 26  # no schedule has it: the operations that read or change one answer 404
MISSING_JOB_RUN = "demo-999999"
# How large a body the app takes (runyard.settings' default --max-body-bytes is 1 MiB).
OVERSIZE_BYTES = 1024 * 1024 + 1024

_RAW = "__fuzz_raw__"  # stands in a body's JSON text for a raw (not json.dumps-able) value
_FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


# --- the spec's operations -----------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str
    operation: dict[str, Any] = field(compare=False, repr=False)
    parameters: tuple[dict[str, Any], ...] = field(compare=False, repr=False)  # path item's and operation's, resolved

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def operation_id(self) -> str:
        return str(self.operation["operationId"])

    @property
    def dialect(self) -> str:
        if self.template.startswith("/trigger/"):
            return "trigger"
        if self.template.startswith("/api/svc/"):
            return "truefoundry"
        return "native"

    def parameters_in(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == location]

    @property
    def body(self) -> dict[str, Any] | None:
        """The requestBody (resolved), or None."""
        body = self.operation.get("requestBody")
        return Spec.current().deref(body) if body is not None else None

    @property
    def body_schema(self) -> dict[str, Any] | None:
        """The JSON body's schema (None for an operation without one, or whose body is not JSON)."""
        body = self.body
        return Spec.current().deref(body["content"]["application/json"]["schema"]) if body and "application/json" in body["content"] else None

    @property
    def ndjson(self) -> bool:
        """The body is newline-delimited JSON (a Trigger.dev batch's items)."""
        body = self.body
        return bool(body and "application/x-ndjson" in body["content"])

    @property
    def body_required(self) -> bool:
        body = self.body
        return bool(body and body.get("required"))

    @property
    def security(self) -> list[dict[str, list[str]]]:
        return list(self.operation.get("security", Spec.current().document.get("security", [])))

    @property
    def secured(self) -> bool:
        return bool(self.security)

    @property
    def key_optional(self) -> bool:
        return any(not alternative for alternative in self.security)

    @property
    def key_headers(self) -> list[str]:
        """The headers of the operation's apiKey schemes (X-API-Key)."""
        schemes = Spec.current().document["components"]["securitySchemes"]
        return [schemes[n]["name"] for alternative in self.security for n in alternative if schemes[n]["type"] == "apiKey"]

    def responses(self) -> dict[str, dict[str, Any]]:
        return {status: Spec.current().deref(r) for status, r in self.operation["responses"].items()}


class Spec:
    """The parsed document, its `$ref`s resolved on demand."""

    _current: Spec | None = None

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            shared = [self.deref(p) for p in item.get("parameters", [])]
            for method in HTTP_METHODS:
                if method in item:
                    own = [self.deref(p) for p in item[method].get("parameters", [])]
                    names = {p["name"] for p in own}
                    params = tuple([p for p in shared if p["name"] not in names] + own)
                    self.operations.append(Operation(method.upper(), template, item[method], params))
        self._routes = [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(o.template)) + "$"), o) for o in self.operations]

    @classmethod
    def current(cls) -> Spec:
        if cls._current is None:
            cls._current = Spec(load_spec())
        return cls._current

    def deref(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def validator(self, schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        """A 2020-12 validator (the dialect of a 3.1 document) for a schema of this document."""
        return jsonschema.Draft202012Validator({**schema, "components": self.document["components"]}, format_checker=_FORMATS)

    def route(self, method: str, path: str) -> tuple[Operation | None, list[Operation]]:
        """The operation a decoded path and method name, and every operation of that path (any method)."""
        matching = [o for pattern, o in self._routes if pattern.match(path)]
        # A literal segment wins over a template (/api/svc/v1/jobs/trigger is no {jobId}).
        matching.sort(key=lambda o: o.template.count("{"))
        if matching:
            template = matching[0].template
            matching = [o for o in matching if o.template == template]
        return next((o for o in matching if o.method == method), None), matching


# --- cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeds:
    """What the store holds before the cases are sent: a native run (environment `default`), a run
    triggered through Trigger.dev and one through TrueFoundry (environment `dev`, by name)."""

    native_run: str
    trigger_run: str
    truefoundry_run: str


@dataclass(frozen=True)
class Case:
    operation: str  # Operation.name
    kind: str  # what is malformed, e.g. "body-type options.tags=1e308"
    method: str
    url: str  # path and query, percent-encoded as sent
    key: str  # a role: see INVALID_ROLES
    headers: tuple[tuple[str, bytes], ...] = ()
    body: bytes | None = None
    must_refuse: bool = True
    expect: int | None = None

    def reproduction(self, limit: int = 240) -> str:
        """The request as one line, long parts shortened (with their real length)."""
        parts = [f"{self.method} {_short(self.url, limit)}", f"key={self.key}"]
        parts += [f"{name}: {_short(value.decode('latin-1'), 80)!r}" for name, value in self.headers]
        if self.body is not None:
            parts.append(f"body={_short_bytes(self.body, limit)}")
        return "  ".join(parts)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 4 :]} ({len(text)} chars)"


def _short_bytes(body: bytes, limit: int) -> str:
    shown = repr(body[:limit]) + (f"... ({len(body)} bytes)" if len(body) > limit else "")
    return shown


# Key roles a case may be sent with (test_fuzz.py fills in the secrets): valid ones are "none" (an admin of
# `default` on an open server, where the operation allows no key), "admin", "admin-header" (X-API-Key) and "dev".
INVALID_ROLES = ("unknown", "revoked", "basic", "empty-bearer", "long", "not-latin", "unknown-header")

JSON_TYPE = (("content-type", b"application/json"),)

# Values of the wrong type (or odd ones) for a body property; a lone surrogate and a NUL are sent as
# JSON escapes (\ud800, \u0000), emoji and RTL marks as raw UTF-8.
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    2**70,
    -(2**70),
    "",
    "x" * 10_000,
    "\U0001f600\U0001f4a9",
    "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd",
    "\ud800",
    "a\udc00b",
    "a\x00b",
    [],
    [1, "a", None],
    {},
    {"nested": {"deeper": [{}]}},
    {"\ud800": 1},
    {"k\x00": 1},
)
# Odd text, sent to every free-form property.
ODD_TEXT: tuple[Any, ...] = ("\ud800", "a\udc00b", {"\ud800": 1}, "a\x00b", {"k\x00": 1}, "\U0001f600\U0001f4a9", "\u202eevil\u202c \u05e9\u05dc\u05d5\u05dd")
# Strings that are JSON texts themselves: what a free-form value carrying SuperJSON/JSON text may hold.
EMBEDDED_JSON = ('{"json": 1e400}', '{"json": ' + "9" * 5000 + "}", '{"json": "\\ud800"}', '{"json": ' + "[" * 200 + "]" * 200 + "}", '{"json": NaN}', "{")
# Raw JSON-ish number texts (some not JSON at all) for numeric and free-form properties.
RAW_NUMBERS = ("1e400", "-1e400", "1" + "0" * 400, "9" * 5000, "-0", "1E+2", "NaN", "-Infinity", "0x10", "01", ".5", "+1", "1.")
CONTENT_TYPES: tuple[tuple[bytes | None, bool], ...] = (
    (b"text/plain", True),
    (b"application/xml", True),
    (b"application/x-www-form-urlencoded", True),
    (b"multipart/form-data; boundary=fuzz", True),
    (b"application/vnd.api+json", True),
    (b"*/*", True),
    (b"", True),
    (None, True),
    (b"application/json; charset=utf-8", False),
    (b"APPLICATION/JSON", False),
    (b"application/json; charset=bogus", False),
    (b"application/json; charset=utf-16", False),
)
# Path segments, as sent (percent-encoded where they must be); dot segments are odd: the client removes them.
PATH_SEGMENTS: tuple[tuple[str, bool], ...] = (
    ("%00", True),
    ("a%00b", True),
    ("a%2Fb", True),
    ("a/b", True),
    ("%2E%2E", True),
    ("%25", True),
    ("%ZZ", True),
    ("%FF", True),
    ("%ED%A0%80", True),  # a lone surrogate, as UTF-8 would encode it (not UTF-8)
    ("x" * 10_000, True),
    (quote("\U0001f600"), True),
    (quote("\u202e\u05e9"), True),
    ("%20", True),
    ("%0A", True),
    ("%3Fx%3D1", True),
    ("%23", True),
    (".", False),
    ("..", False),
)
UNKNOWN_QUERIES = ("fuzz=1", "fuzz", "%00=1", "a%5Bb%5D=1", "fuzz=" + "x" * 10_000, "filter%5Bnope%5D=x", "page%5Bsize%5D%5Ba%5D=1", "%F0%9F%98%80=1")
QUERY_VALUES: dict[str, tuple[str, ...]] = {
    "integer": ("", "abc", "1.5", "1e308", "-1", "0", str(2**70), "0x10", "\x00", "\U0001f600", "9" * 5000),
    "number": ("", "abc", "1e308", "1e400", "-1", "NaN", "\x00"),
    "boolean": ("", "maybe", "1", "TRUE", "\x00"),
    "string": ("", "\x00", "a\x00b", "x" * 10_000, "\U0001f600", "\u202eabc", "bogus", "QUEUED,,FAILED", ",", "run_%", "2024-13-45", "99999999999999999"),
}
NON_UTF8 = (b"\xff\xfe\xfd", b'{"fuzz": "\xc3\x28"}', b"\x80" * 16, b'{"job": "d\xe9mo"}', b"\xed\xa0\x80")
BODIES_ON_BODILESS = (b'{"fuzz": 1}', b"\xff\xfe", b"[" * 1000, b"null", b"x" * 10_000)


def cases(seeds: Seeds, spec: Spec | None = None) -> list[Case]:
    """Every case, operation by operation in the spec's order."""
    spec = spec or Spec.current()
    return [case for operation in spec.operations for case in _operation_cases(operation, seeds)]


def _operation_cases(op: Operation, seeds: Seeds) -> list[Case]:
    rng = random.Random(f"runyard-fuzz {op.name}")
    maker = _Maker(op, seeds, rng)
    found = [maker.case("unmutated", must_refuse=False)]
    found += maker.keys()
    found += maker.unknown_queries()
    found += maker.query_values()
    found += maker.path_segments()
    if op.body_schema is not None:
        found += maker.body_cases()
    elif op.ndjson:
        found += maker.ndjson_cases()
    else:
        found += maker.bodies_on_bodiless()
    return found


@dataclass
class _Maker:
    op: Operation
    seeds: Seeds
    rng: random.Random

    # -- the valid request the mutations start from

    def path_values(self) -> dict[str, str]:
        op, seeds = self.op, self.seeds
        reading = op.method == "GET"
        values = {
            "job_id": seeds.native_run if reading else MISSING_RUN,
            "name": {"GET": "demo", "PUT": "fuzz-job"}.get(op.method, "no-such-job"),
            "key_id": MISSING_KEY,
            "runId": seeds.trigger_run if reading or op.operation_id.endswith("replay_run") else MISSING_RUN,
            "taskIdentifier": "demo",  # a task that exists
            "jobId": "demo",
            "jobRunName": seeds.truefoundry_run if reading else MISSING_JOB_RUN,
            "key": "no-such-key",  # an idempotency key no run holds: the reset answers 404
            "schedule_id": MISSING_SCHEDULE,
            "scheduleId": MISSING_SCHEDULE,
            "batchId": MISSING_BATCH,
            "bulkActionId": "bulk_" + "0" * 26,
        }
        return {p["name"]: values.get(p["name"], str(p.get("example", "x"))) for p in op.parameters_in("path")}

    def query_values_base(self) -> list[tuple[str, str]]:
        values = {"deploymentId": "demo", "jobRunName": self.seeds.truefoundry_run}
        return [(p["name"], values.get(p["name"], str(p.get("example", "x")))) for p in self.op.parameters_in("query") if p.get("required")]

    def body_base(self) -> Any:
        bases: dict[str, Any] = {
            "handlers.runs.submit_run": {"job": "demo", "input": {"topic": "fuzz"}, "tags": ["fuzz"]},
            "handlers.jobs.put_job": {"command": ["true"], "env": {"LEVEL": "info"}, "retry": {"initial_seconds": 1}},
            "handlers.keys.create_key": {"environment": "fuzz"},
            "handlers.trigger.trigger_task": {"payload": {"n": 1}, "options": {"tags": ["fuzz"], "maxAttempts": 2}},
            "handlers.trigger.replay_run": {"payload": {"n": 2}, "tags": ["fuzz"]},
            "handlers.truefoundry.trigger_job": {"applicationId": "demo", "input": {"params": {"n": 1}}, "metadata": {}},
            "handlers.schedules.create_schedule": {"job": "demo", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin", "input": {"n": 1}},
            "handlers.schedules.update_schedule": {"job": "demo", "cron": "0 9 * * *"},
            "handlers.trigger.create_schedule": {"task": "demo", "cron": "0 9 * * *", "deduplicationKey": "fuzz", "externalId": "u-1"},
            "handlers.trigger.update_schedule": {"task": "demo", "cron": "0 9 * * *"},
            "handlers.trigger.create_bulk_action": {"action": "cancel", "runIds": [MISSING_RUN], "name": "fuzz"},
            "handlers.trigger.batch_trigger_v2": {"items": [{"task": "demo", "payload": {"n": 0}}]},
            "handlers.trigger.batch_trigger_task": {"items": [{"payload": {"n": 0}}, {"payload": {"n": 1}, "options": {"tags": ["second"]}}]},
            "handlers.trigger.batch_trigger_v1": {"items": [{"task": "demo", "payload": '{"json":{"n":0}}', "options": {"payloadType": "application/super+json"}}]},
        }
        if self.op.operation_id in bases:
            return copy.deepcopy(bases[self.op.operation_id])
        examples = self.op.body["content"]["application/json"].get("examples", {})  # type: ignore[index]
        return copy.deepcopy(next(iter(examples.values()))["value"]) if examples else {}

    def valid_key(self) -> str:
        if not self.op.secured:
            return self.rng.choice(["none", "unknown"])  # an operation without security reads no key
        if self.op.key_optional:
            return self.rng.choice(["none", "admin", "admin-header"] if self.op.key_headers else ["none", "admin"])
        if "_schedule" in self.op.operation_id and self.op.method != "GET":
            return "admin"  # only admins create or change schedules, on every API
        return "dev"

    def url(self, path: dict[str, str] | None = None, query: list[tuple[str, str]] | None = None, raw_query: str | None = None) -> str:
        values = {**{k: quote(v, safe="") for k, v in self.path_values().items()}, **(path or {})}
        url = self.op.template
        for name, value in values.items():
            url = url.replace("{" + name + "}", value)
        pairs = [f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in (self.query_values_base() if query is None else query)]
        if raw_query is not None:
            pairs.append(raw_query)
        return url + ("?" + "&".join(pairs) if pairs else "")

    def body_text(self, body: Any, raw: str | None = None) -> bytes:
        text = _dumps(body)
        if raw is not None:
            text = text.replace(json.dumps(_RAW), raw)
        return text.encode("utf-8")

    def case(self, kind: str, *, must_refuse: bool, **fields: Any) -> Case:
        fields.setdefault("url", self.url())
        fields.setdefault("key", self.valid_key())
        if self.op.body_schema is not None and "body" not in fields:
            fields["body"] = self.body_text(self.body_base())
            fields["headers"] = JSON_TYPE + tuple(fields.get("headers", ()))
        elif self.op.ndjson and "body" not in fields:
            fields["body"] = NDJSON_ITEM
            fields["headers"] = NDJSON_TYPE + tuple(fields.get("headers", ()))
        return Case(self.op.name, kind, self.op.method, must_refuse=must_refuse, **fields)

    # -- the mutations

    def keys(self) -> Iterator[Case]:
        """Invalid keys: 401 on every secured operation (checked before anything else, so a malformed body too)."""
        if not self.op.secured:
            for role in self.rng.sample(INVALID_ROLES, 2):
                yield self.case(f"key {role} (no security)", must_refuse=False, key=role)
            return
        roles = [r for r in INVALID_ROLES if r != "unknown-header" or self.op.key_headers]
        if not self.op.key_optional:
            roles.append("none")
        for role in roles:
            yield self.case(f"key {role}", must_refuse=True, expect=401, key=role)
        if self.op.body_schema is not None:
            yield self.case("key unknown, body not JSON", must_refuse=True, expect=401, key="unknown", body=b"{not json", headers=JSON_TYPE)

    def unknown_queries(self) -> Iterator[Case]:
        declared = {p["name"] for p in self.op.parameters_in("query")}
        for raw in self.rng.sample(UNKNOWN_QUERIES, 3):
            assert unquote(raw.split("=")[0]) not in declared
            yield self.case(f"unknown query {_short(raw, 40)}", must_refuse=True, url=self.url(raw_query=raw))

    def query_values(self) -> Iterator[Case]:
        base = self.query_values_base()
        for param in self.op.parameters_in("query"):
            name = param["name"]
            others = [(k, v) for k, v in base if k != name]
            kind = _value_type(param)
            for value in self.rng.sample(QUERY_VALUES[kind], 3):
                refused = _query_refused(param, [value])
                yield self.case(f"query {name}={_short(value, 40)!r}", must_refuse=refused, url=self.url(query=[*others, (name, value)]))
            # The same parameter twice: odd (which one counts is the server's choice), never a 5xx.
            first, second = str(param.get("example", "1")), self.rng.choice(QUERY_VALUES[kind])
            if isinstance(param.get("example"), list):
                first = ",".join(map(str, param["example"]))
            pairs = [*others, (name, first), (name, second)]
            refused = _query_refused(param, [first, second]) if _explode(param) else _query_refused(param, [first]) and _query_refused(param, [second])
            yield self.case(f"query {name} repeated ({_short(second, 20)!r})", must_refuse=refused, url=self.url(query=pairs))
        # A raw byte that is not UTF-8 in the first parameter's value: odd.
        for param in self.op.parameters_in("query")[:1]:
            others = [(k, v) for k, v in base if k != param["name"]]
            pairs = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in others)
            yield self.case(
                f"query {param['name']}=%FF",
                must_refuse=False,
                url=self.url(query=[], raw_query="&".join(filter(None, [pairs, f"{quote(param['name'], safe='[]')}=%FF"]))),
            )

    def path_segments(self) -> Iterator[Case]:
        for param in self.op.parameters_in("path"):
            for segment, refused in self.rng.sample(PATH_SEGMENTS, 4):
                yield self.case(f"path {param['name']}={_short(segment, 40)}", must_refuse=refused, url=self.url(path={param["name"]: segment}))

    def ndjson_cases(self) -> Iterator[Case]:
        """Malformed batch items: each refused, nothing stored."""
        for kind, body in NDJSON_MALFORMED:
            yield self.case(f"ndjson {kind}", must_refuse=True, body=body, headers=NDJSON_TYPE)
        yield self.case("ndjson as application/json", must_refuse=True, body=NDJSON_ITEM, headers=JSON_TYPE)

    def bodies_on_bodiless(self) -> Iterator[Case]:
        for body in [*self.rng.sample(BODIES_ON_BODILESS, 2), b"\xff" + self.rng.randbytes(63)]:
            content_type = self.rng.choice([b"application/json", b"text/plain"])
            yield self.case(f"body on {self.op.method} ({content_type.decode()})", must_refuse=False, body=body, headers=(("content-type", content_type),))
        content_type, _ = self.rng.choice(CONTENT_TYPES)
        headers = (("content-type", content_type),) if content_type is not None else ()
        yield self.case(f"content-type {content_type!r} without a body", must_refuse=False, headers=headers)

    def body_cases(self) -> Iterator[Case]:
        op, rng = self.op, self.rng
        schema = op.body_schema
        assert schema is not None
        base = self.body_base()
        assert _body_refused(_dumps(base).encode(), schema, op.body_required) is False, f"{op.name}: the base body is not valid"
        paths = property_paths(schema)
        free = [(path, sub) for path, sub in paths if _free_form(sub)]
        numeric = [(path, sub) for path, sub in paths if {"integer", "number"} & set(_types(sub))]

        def body_case(kind: str, body: bytes, headers: tuple[tuple[str, bytes], ...] = JSON_TYPE, refused: bool | None = None, **fields: Any) -> Case:
            verdict = _body_refused(body, schema, op.body_required) if refused is None else refused
            return self.case(kind, must_refuse=verdict is True, body=body, headers=headers, **fields)

        # Each property (and each property of an object property) with values of the wrong type; a free-form
        # one (any JSON, stored as the run's input) with every odd string too, as a value and as a key.
        for path, sub in paths:
            values = rng.sample([*WRONG_VALUES, *(EMBEDDED_JSON if _free_form(sub) else ())], 3)
            values += [v for v in ODD_TEXT if v not in values] if _free_form(sub) else []
            for value in values:
                yield body_case(f"body-type {'.'.join(path)}={_short(repr(value), 40)}", self.body_text(_set(base, path, value)))
        # Each required property left out; a property the schema does not know.
        for name in schema.get("required", []):
            yield body_case(f"body without {name}", self.body_text({k: v for k, v in base.items() if k != name}))
        yield body_case("body with an unknown property", self.body_text({**base, "fuzz": 1}))
        # Not an object.
        for text in rng.sample(["[]", "null", "1", '"x"', "true", "[" + _dumps(base) + "]"], 3):
            yield body_case(f"body {_short(text, 30)}", text.encode())
        # Not JSON, or not quite.
        text = _dumps(base)
        broken = [
            text[: rng.randrange(1, len(text) - 1)],
            text[: rng.randrange(1, len(text) - 1)],
            "{",
            text + "garbage",
            text + text,
            text.replace('"', "'"),
            text[:-1] + ",}",
            "{fuzz: 1}",
            "\ufeff" + text,
            text[:-1] + ', "x": "\\x41"}',
            text[:-1] + ', "x": "a\nb"}',
            text[:-1] + ", " + text[1:],  # every key twice: valid JSON, the last wins
        ]
        for text in rng.sample(broken, 6):
            yield body_case(f"body text {_short(text, 40)!r}", text.encode("utf-8"))
        yield body_case("body empty", b"")
        # Raw numbers: some in a numeric property (else the first one), every one in a free-form property
        # (in an object of its own where the property must be an object).
        for path, _sub in (numeric or paths)[:1]:
            for raw in rng.sample(RAW_NUMBERS, 4):
                yield body_case(f"body-raw {'.'.join(path)}={_short(raw, 30)}", self.body_text(_set(base, path, _RAW), raw))
        for path, sub in free[:1]:
            holder = {"x": _RAW} if "object" in _types(sub) else _RAW
            for raw in RAW_NUMBERS:
                yield body_case(f"body-raw {'.'.join(path)}={_short(raw, 30)}", self.body_text(_set(base, path, holder), raw))
        # Nested as deep as allowed, one past it, and far past it.
        for path, _sub in free[:1]:
            level = len(path)  # the object holding the property is level `level`; the value nests below it
            for depth in (MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1, 1_000, 100_000):
                nested = "[" * (depth - level) + "]" * (depth - level)
                yield body_case(f"body nested {depth} levels at {'.'.join(path)}", self.body_text(_set(base, path, _RAW), nested))
        for depth in rng.sample([MAX_JSON_DEPTH + 1, 1_000, 100_000], 2):
            yield body_case(f"body nested {depth} levels", ('{"a": ' * depth + "1" + "}" * depth).encode())
        # Not UTF-8 at all.
        for raw in [*rng.sample(NON_UTF8, 2), b"\xff" + rng.randbytes(255)]:
            yield body_case(f"body bytes {raw[:20]!r}", raw, refused=True)
        yield body_case("body as UTF-16", text.encode("utf-16"), refused=True)
        # The media type.
        for content_type, refused in rng.sample(CONTENT_TYPES, 4):
            headers = (("content-type", content_type),) if content_type is not None else ()
            yield body_case(f"content-type {content_type!r}", self.body_text(base), headers, refused=refused or None)
        # Larger than the server takes.
        pad_path = (free or paths)[0][0]
        yield body_case("body over the size limit", self.body_text(_set(base, pad_path, "x" * OVERSIZE_BYTES)), refused=True, expect=413)
        # Header parameters (Idempotency-Key).
        for param in op.parameters_in("header"):
            for value in rng.sample(["", "x" * 257, "x" * 10_000, " ", "%00"], 3):
                refused = bool(list(Spec.current().validator(param["schema"]).iter_errors(value)))
                yield body_case(
                    f"header {param['name']}={_short(value, 20)!r}", self.body_text(base), (*JSON_TYPE, (param["name"], value.encode())), refused=refused
                )
            yield body_case(
                f"header {param['name']} not Latin-1 text", self.body_text(base), (*JSON_TYPE, (param["name"], "\U0001f600".encode())), refused=False
            )


# --- the oracle: what the spec says of a body or a parameter ---------------------------------


def _dumps(value: Any) -> str:
    """JSON text: non-ASCII as raw UTF-8 where it can be, lone surrogates as \\u escapes."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(value)
    return text


def _set(body: Any, path: tuple[str, ...], value: Any) -> Any:
    changed = copy.deepcopy(body)
    node = changed
    for name in path[:-1]:
        if not isinstance(node.get(name), dict):
            node[name] = {}
        node = node[name]
    node[path[-1]] = value
    return changed


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    spec = Spec.current()
    schema = spec.deref(schema)
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(part))
    return found


def property_paths(schema: dict[str, Any]) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every property of a body schema, and every property of its object properties."""
    found = []
    for name, sub in _properties(schema).items():
        sub = Spec.current().deref(sub)
        found.append(((name,), sub))
        found += [((name, inner), Spec.current().deref(s)) for inner, s in _properties(sub).items()]
    return found


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _free_form(schema: dict[str, Any]) -> bool:
    """Any JSON value, or an object of anything."""
    keys = set(schema) - {"description", "examples", "example"}
    return not keys or (keys == {"type"} and schema["type"] == "object")


def _scan(value: Any) -> tuple[int, bool, bool]:
    """(deepest container level, whether a string or key holds a NUL, whether one is not Unicode text (a lone
    surrogate) or a number is not finite (1e400 reads as infinity): what no store keeps as JSON)."""
    deepest, nul, unstorable = 0, False, False
    pending = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        texts: list[Any] = [node]
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            texts = list(node) if isinstance(node, dict) else []
            pending += [(item, depth + 1) for item in (node.values() if isinstance(node, dict) else node)]
        for text in texts:
            if isinstance(text, str):
                nul = nul or "\x00" in text
                unstorable = unstorable or not _unicode(text)
            elif isinstance(text, float):
                unstorable = unstorable or not math.isfinite(text)
    return deepest, nul, unstorable


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _ignored(schema: dict[str, Any]) -> list[str]:
    """The top-level properties the spec says the server ignores (Trigger.dev's `context`, TrueFoundry's `metadata`)."""
    return [name for name, sub in _properties(schema).items() if re.search(r"\bignored\b", Spec.current().deref(sub).get("description", ""), re.IGNORECASE)]


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _body_refused(raw: bytes, schema: dict[str, Any], required: bool) -> bool | None:
    """True: the spec refuses this body; False: it is valid; None: odd (valid JSON no parser here reads)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    if not text:
        return required
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        return True  # nested far past the limit
    except ValueError as exc:
        return None if "integer string conversion" in str(exc) else True
    if value is None:
        return True  # "A body of null where an object is asked for is refused too."
    depth, nul, _ = _scan(value)
    if depth > MAX_JSON_DEPTH or nul:  # the spec's limits on input, anywhere in the body
        return True
    kept = {k: v for k, v in value.items() if k not in _ignored(schema)} if isinstance(value, dict) else value
    if _scan(kept)[2]:  # what the server keeps or uses must be storable; what it ignores may be anything
        return True
    return bool(list(Spec.current().validator(schema).iter_errors(value)))


def _explode(param: dict[str, Any]) -> bool:
    return bool(param.get("explode", param.get("style", "form") == "form"))


def _value_type(param: dict[str, Any]) -> str:
    schema = Spec.current().deref(param["schema"])
    if "array" in _types(schema):
        schema = Spec.current().deref(schema["items"])
    kinds = _types(schema)
    return next((k for k in ("integer", "number", "boolean") if k in kinds), "string")


def _cast(text: str, kind: str) -> Any:
    """A query value as connexion casts it before validating (what does not cast stays a string)."""
    if kind == "integer" and re.fullmatch(r"[+-]?[0-9]{1,4000}", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", text):
        return float(text)  # 1e400 reads as infinity, which JSON Schema takes for a number
    if kind == "boolean" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _query_refused(param: dict[str, Any], values: list[str]) -> bool:
    """Whether the spec refuses these values of a query parameter (several: the parameter repeated)."""
    spec = Spec.current()
    schema = spec.deref(param["schema"])
    kind = _value_type(param)
    if "array" in _types(schema):
        # Comma-separated either way: the spec's descriptions say so for the repeated-key (exploded) lists too.
        items = [item for v in values for item in v.split(",")]
        value: Any = [_cast(v, kind) for v in items]
    else:
        value = _cast(values[-1], kind)
    return bool(list(spec.validator(schema).iter_errors(value)))
