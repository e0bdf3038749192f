"""Fuzzing every operation of openapi/runyard.yaml with malformed requests, on SQLite and on PostgreSQL.

tests/support/fuzz.py makes about a thousand requests from the spec, seeded (no clock, no global
random state): for every path and method, invalid keys, unknown and repeated query parameters,
query values of the wrong type, odd path segments (NUL, slashes, dots, percent-encodings, 10,000
characters), and for every request body wrong JSON types in each property, missing and unknown
properties, truncated and invalid JSON, raw numbers (1e400, 5,000 digits, NaN), NUL and lone
surrogate escapes, emoji and RTL text, nesting up to and past 64 levels, bytes that are not UTF-8,
wrong or missing Content-Type and a body over the size limit; bodies on operations that take none.

Each store gets one app for the module, with a `dev` key, an admin key, a revoked key and three
seeded runs; every case is sent once (in-process, starlette's TestClient) and each test below
proves one property over all the answers:

* no request is answered with a 5xx;
* every request the spec calls malformed is refused with a 4xx; an invalid key with 401, a body
  over the size limit with 413;
* every 4xx answer is a status the spec documents for the operation (a path no operation has: the
  dialect's 404), in a media type and shape the spec documents for that status (natively an RFC
  9457 problem, `{"detail"}` or `{"error", "detail"}`; Trigger.dev's `{"error", "details"}`;
  TrueFoundry's HttpError; a status the spec does not document is held to its dialect's shape);
* a refused request stores nothing (every table's row count is unchanged);
* the unchanged request each operation's cases start from is accepted, so a refusal is the
  mutation's doing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.store.db import normalise_url
from runyard.store.schema import metadata
from runyard.web.app import create_app
from tests.support.databases import pg_database, sqlite_database
from tests.support.fuzz import Case, Seeds, Spec, cases
from tests.support.keys import create_keys, revoke_key, with_key_store

# Dialect error shapes, for a status the spec does not document (that is a finding of its own).
DIALECT_SHAPES = {
    "native": {"application/problem+json": "Problem", "application/json": "NativeError"},
    "trigger": {"application/json": "TriggerErrorWithDetails"},
    "truefoundry": {"application/json": "TrueFoundryHttpError"},
}
# What a path no operation has is answered with, per dialect.
DIALECT_NOT_FOUND = {"native": "NativeNotFound", "trigger": "TriggerNotFound", "truefoundry": "TrueFoundryNotFound"}
SHOWN = 40  # groups (operation and status) shown; the rest are counted


@dataclass(frozen=True)
class Outcome:
    case: Case
    status: int
    media_type: str
    text: str
    path: str  # the decoded path the request was routed by
    stored: dict[str, int]  # rows added (negative: removed) per table
    errors: tuple[str, ...] = field(default=())  # the server's tracebacks, last lines
    allow: str = ""  # the Allow header of a 405

    def line(self, why: str = "") -> str:
        text = self.text.strip()
        shown = text if len(text) <= 300 else text[:300] + "..."
        errors = "".join(f"\n      server: {e}" for e in self.errors)
        return f"  [{self.case.operation}] {self.case.kind}\n      {self.case.reproduction()}\n      -> {self.status} {self.media_type} {shown}{errors}" + (
            f"\n      {why}" if why else ""
        )


class _ServerErrors(logging.Handler):
    """The tracebacks of what the app raised: caught by connexion (logged) or escaping it."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.found.append(_last_lines(record.exc_info[1]))

    def wrap(self, app: ASGIApp) -> ASGIApp:
        async def recording(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                await app(scope, receive, send)
            except Exception as exc:
                self.found.append(_last_lines(exc))
                raise

        return recording


@contextlib.contextmanager
def _recording(errors: _ServerErrors) -> Iterator[None]:
    """connexion's error log into `errors` only: the tracebacks go into the failures' messages, not pytest's log."""
    logger = logging.getLogger("connexion")
    propagate = logger.propagate
    logger.addHandler(errors)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(errors)
        logger.propagate = propagate


def _last_lines(exc: BaseException) -> str:
    """The exception, where it was raised and the innermost frames of runyard's own code that led there."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if "/runyard/" in f.filename or "/handlers/" in f.filename][-3:]
    shown = [f for f in [*own, frames[-1]] if f is not None]
    shown = [f for i, f in enumerate(shown) if f not in shown[:i]]
    where = " <- ".join(f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno} {f.name}" for f in reversed(shown))
    return f"{exc.__class__.__name__}: {str(exc)[:200]} at {where}"


@dataclass
class Fuzzed:
    """One store's seeds and the answer to every case sent to it."""

    store: str
    seeds: Seeds
    outcomes: list[Outcome]


def _key_headers(admin: str, dev: str, revoked: str) -> dict[str, tuple[tuple[str, bytes], ...]]:
    def bearer(secret: str | bytes) -> tuple[tuple[str, bytes], ...]:
        return (("authorization", b"Bearer " + (secret if isinstance(secret, bytes) else secret.encode())),)

    return {
        "none": (),
        "admin": bearer(admin),
        "admin-header": (("x-api-key", admin.encode()),),
        "dev": bearer(dev),
        "unknown": bearer("tr_dev_" + "0" * 32),
        "revoked": bearer(revoked),
        "basic": (("authorization", b"Basic Zm9vOmJhcg=="),),
        "empty-bearer": (("authorization", b"Bearer "),),
        "long": bearer("x" * 10_000),
        "not-latin": bearer("\U0001f511".encode()),
        "unknown-header": (("x-api-key", b"tr_dev_unknown"),),
    }


def _row_counts(engine: sa.Engine) -> Callable[[], dict[str, int]]:
    tables = metadata.sorted_tables
    query = sa.select(*[sa.select(sa.func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])

    def count() -> dict[str, int]:
        with engine.connect() as conn:
            return dict(conn.execute(query).one()._mapping)

    return count


def _seed(client: TestClient, dev: tuple[tuple[str, bytes], ...]) -> Seeds:
    native = client.post("/api/v1/runs", json={"job": "demo"})
    assert native.status_code == 202, native.text
    run_id = native.json()["job_id"]
    # Finished, so that its event stream ends at once (no worker runs anything here).
    assert client.post(f"/api/v1/runs/{run_id}/cancel").status_code == 200
    triggered = client.post("/trigger/api/v1/tasks/demo/trigger", json={"payload": {"n": 0}}, headers=dict(dev))
    assert triggered.status_code == 200, triggered.text
    truefoundry = client.post("/api/svc/v1/jobs/trigger", json={"applicationId": "demo"}, headers=dict(dev))
    assert truefoundry.status_code == 200, truefoundry.text
    return Seeds(run_id, triggered.json()["id"], truefoundry.json()["jobRunName"])


def _send(
    client: TestClient, case: Case, keys: dict[str, tuple[tuple[str, bytes], ...]], count: Callable[[], dict[str, int]], errors: _ServerErrors
) -> Outcome:
    before = count()
    errors.found.clear()
    response = client.request(case.method, case.url, content=case.body, headers=[*case.headers, *keys[case.key]])
    after = count()
    stored = {table: after[table] - before[table] for table in after if after[table] != before[table]}
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    return Outcome(
        case, response.status_code, media_type, response.text, response.request.url.path, stored, tuple(errors.found), response.headers.get("allow", "")
    )


# PostgreSQL is the full suite's (its set-up took 24 s of the fast loop); the fast loop fuzzes SQLite.
@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    """Every case sent once to one app over a fresh store (a clone of the session's template)."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = sqlite_database(request.getfixturevalue("sqlite_template_path"), tmp_path_factory.mktemp("fuzz") / "runyard.db")
        else:
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template_name")))
        dev = create_keys(url, {"dev": "dev"})["dev"][1]
        admin = with_key_store(url, lambda store: store.create_key("default", admin=True))[1]
        revoked_key, revoked = create_keys(url, {"revoked": "dev"})["revoked"]
        revoke_key(url, revoked_key.id)
        keys = _key_headers(admin, dev, revoked)

        errors = _ServerErrors()
        client = stack.enter_context(TestClient(errors.wrap(create_app(url, background=False)), raise_server_exceptions=False, follow_redirects=False))
        engine = sa.create_engine(normalise_url(url).sync)
        stack.callback(engine.dispose)
        count = _row_counts(engine)

        seeds = _seed(client, keys["dev"])
        with _recording(errors):
            outcomes = [_send(client, case, keys, count, errors) for case in cases(seeds)]
        yield Fuzzed(request.param, seeds, outcomes)


def _fail(fuzzed: Fuzzed, what: str, failures: list[tuple[Outcome, str]]) -> None:
    """Fail with every failure counted per operation and status, and the first of each group in full."""
    if not failures:
        return
    groups: dict[str, list[tuple[Outcome, str]]] = {}
    for outcome, why in failures:
        groups.setdefault(f"{outcome.case.operation} -> {outcome.status}", []).append((outcome, why))
    lines = []
    for name, group in list(groups.items())[:SHOWN]:
        kinds = ", ".join(o.case.kind for o, _ in group[1:6]) + (", ..." if len(group) > 6 else "")
        lines.append(f"{len(group):4d} x {name}\n{group[0][0].line(group[0][1])}" + (f"\n      also: {kinds}" if kinds else ""))
    more = f"\n  ... and {len(groups) - SHOWN} more groups" if len(groups) > SHOWN else ""
    pytest.fail(f"{len(failures)} of {len(fuzzed.outcomes)} requests on {fuzzed.store}: {what}\n" + "\n".join(lines) + more, pytrace=False)


# --- the cases themselves ------------------------------------------------------------------

FAKE_SEEDS = Seeds("run_01aaaaaaaaaaaaaaaaaaaaaaaa", "run_01bbbbbbbbbbbbbbbbbbbbbbbb", "demo-1")


def test_the_cases_cover_every_operation_of_the_spec() -> None:
    made = cases(FAKE_SEEDS)
    operations = Spec.current().operations
    per_operation = Counter(c.operation for c in made if c.must_refuse)
    assert {o.name for o in operations} == set(per_operation), "an operation without a malformed request"
    assert all(n >= 3 for n in per_operation.values()), per_operation
    assert 300 <= len(made) <= 3_000, len(made)
    for operation in operations:
        kinds = " ".join(c.kind for c in made if c.operation == operation.name)
        families = ["unknown query"] + (["key "] if operation.secured else []) + (["path "] if operation.parameters_in("path") else [])
        families += ["query "] if operation.parameters_in("query") else []
        if operation.body_schema is not None:
            families += ["body-type ", "body text ", "body nested ", "body bytes ", "content-type ", "body over the size limit", "body-raw "]
        elif operation.ndjson:
            families += ["ndjson not json", "ndjson not utf-8", "ndjson as application/json"]
        else:
            families += ["body on "]
        assert all(f in kinds for f in families), (operation.name, [f for f in families if f not in kinds])


def test_the_cases_are_the_same_every_time() -> None:
    first = cases(FAKE_SEEDS)
    random.seed(12345)  # the global random state plays no part
    random.random()
    assert cases(FAKE_SEEDS) == first


# --- what the server answers ----------------------------------------------------------------


def test_no_request_is_answered_with_a_5xx(fuzzed: Fuzzed) -> None:
    _fail(fuzzed, "answered with a 5xx", [(o, "") for o in fuzzed.outcomes if o.status >= 500])


def test_every_malformed_request_is_refused_with_a_4xx(fuzzed: Fuzzed) -> None:
    failures = [(o, "malformed by the spec, yet not refused") for o in fuzzed.outcomes if o.case.must_refuse and not 400 <= o.status < 500 and o.status < 500]
    _fail(fuzzed, "malformed, not answered with a 4xx", failures)


def test_a_request_without_a_valid_key_is_401(fuzzed: Fuzzed) -> None:
    failures = [(o, "expected 401") for o in fuzzed.outcomes if o.case.expect == 401 and o.status != 401]
    _fail(fuzzed, "an invalid key, not answered with 401", failures)


def test_a_body_over_the_size_limit_is_413(fuzzed: Fuzzed) -> None:
    failures = [(o, "expected 413") for o in fuzzed.outcomes if o.case.expect == 413 and o.status != 413]
    _fail(fuzzed, "a body over the limit, not answered with 413", failures)


def test_a_refused_request_stores_nothing(fuzzed: Fuzzed) -> None:
    failures = [(o, f"rows changed: {o.stored}") for o in fuzzed.outcomes if o.stored and (o.status >= 400 or o.case.must_refuse)]
    _fail(fuzzed, "refused (or malformed), yet the store changed", failures)


def test_every_4xx_status_is_documented_for_its_operation(fuzzed: Fuzzed) -> None:
    failures = []
    for outcome in _client_errors(fuzzed):
        documented, why = _documented_response(outcome)
        if documented is None:
            failures.append((outcome, why))
    _fail(fuzzed, "a 4xx status the spec does not document for the operation", failures)


def test_every_4xx_body_is_in_a_shape_documented_for_its_status(fuzzed: Fuzzed) -> None:
    failures = []
    for outcome in _client_errors(fuzzed):
        documented, _ = _documented_response(outcome)
        content = _dialect_content(outcome) if documented is None else documented.get("content", {})
        why = _shape_problem(outcome, content)
        if why:
            failures.append((outcome, why))
    _fail(fuzzed, "a 4xx body not in a shape the spec documents", failures)


def test_every_unmutated_request_is_accepted(fuzzed: Fuzzed) -> None:
    # The valid requests the mutations start from (a run id no run has for the operations that change
    # or delete one: 404 there proves the request passed every check before the store's).
    failures = []
    for outcome in [o for o in fuzzed.outcomes if o.case.kind == "unmutated"]:
        targets_nothing = any(missing in outcome.case.url for missing in ("run_000000", "key_000000", "demo-999999", "no-such-job", "sched_000000", "no-such-key", "batch_000000", "bulk_000000"))
        if not (200 <= outcome.status < 300 or (targets_nothing and outcome.status == 404)):
            failures.append((outcome, "the valid request a case starts from"))
    _fail(fuzzed, "the unmutated request not accepted", failures)


# --- the spec's documentation of an answer ---------------------------------------------------


def _client_errors(fuzzed: Fuzzed) -> list[Outcome]:
    return [o for o in fuzzed.outcomes if 400 <= o.status < 500]


def _dialect(path: str) -> str:
    return "trigger" if path.startswith("/trigger/") else "truefoundry" if path.startswith("/api/svc/") else "native"


def _documented_response(outcome: Outcome) -> tuple[dict[str, Any] | None, str]:
    """The response the spec documents for this answer's status (routed as the server routes the path), or why none."""
    spec = Spec.current()
    operation, same_path = spec.route(outcome.case.method, outcome.path)
    status = str(outcome.status)
    if operation is not None:
        responses = operation.responses()
        if status in responses:
            return responses[status], ""
        return None, f"{operation.name} documents {sorted(responses)}, not {status}"
    if same_path:
        if status == "405" and outcome.allow:
            # The spec's introduction documents it (a method a path lacks), in the path's API's error shape.
            return {"content": _dialect_content(outcome)}, ""
        return None, f"{outcome.path} has no {outcome.case.method} operation ({', '.join(o.method for o in same_path)} only); the spec documents no {status}"
    if status == "404":
        return spec.deref({"$ref": f"#/components/responses/{DIALECT_NOT_FOUND[_dialect(outcome.path)]}"}), ""
    return None, f"{outcome.path} matches no operation; only 404 is documented for that, not {status}"


def _dialect_content(outcome: Outcome) -> dict[str, Any]:
    return {media: {"schema": {"$ref": f"#/components/schemas/{name}"}} for media, name in DIALECT_SHAPES[_dialect(outcome.path)].items()}


def _shape_problem(outcome: Outcome, content: dict[str, Any]) -> str:
    """What is wrong with the body for the documented content (media type -> schema), or ''."""
    if outcome.media_type not in content:
        return f"media type {outcome.media_type!r} is not documented for {outcome.status} (documented: {sorted(content)})"
    try:
        body = json.loads(outcome.text)
    except ValueError:
        return "the body is not JSON"
    spec = Spec.current()
    schema = spec.deref(content[outcome.media_type]["schema"])
    error = next(iter(spec.validator(schema).iter_errors(body)), None)
    if error is not None:
        return f"the body does not match its schema: {error.message}"
    for name in ("status", "statusCode"):
        if isinstance(body, dict) and isinstance(body.get(name), int) and body[name] != outcome.status:
            return f"the body's {name} is {body[name]}, the answer's {outcome.status}"
    return ""
