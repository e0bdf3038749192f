"""The apps schemathesis tests: a fresh store each (a SQLite file or a PostgreSQL database), with a `dev` key and an admin key.

On the open app, native operations are called without a key (an admin of `default`, as a
single user on loopback calls them) and Trigger.dev and TrueFoundry operations with the `dev`
key; on the secured app (keys required) every operation is called with the admin key.

Schemas are built when the test modules are imported, in every pytest process, and most
processes never send a case (another worker runs them, or `-k`/`-m` leaves them out). So a SQLite
app is made at once (a file, cheap), but a PostgreSQL one only when a test first asks for it
(`ConformanceApp.ensure()`, which skips the test when no PostgreSQL answers, as tests/conftest.py
does): a database of its own, created and migrated then, and dropped when the process exits. Its
schema is the document a SQLite app serves at /openapi.json (the same on every store).
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import sqlalchemy as sa
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, NegativeDataRejectionConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from runyard.store.db import normalise_url, open_database
from runyard.store.keys import KeyStore
from runyard.store.schema import metadata
from runyard.web.app import create_app
from tests.support.databases import PG_ADMIN_URL, create_pg_database, drop_pg_database, pg_unavailable_reason, unique_name

KEYED_PREFIXES = ("/trigger/", "/api/svc/")


@dataclass(frozen=True)
class _Made:
    url: str
    app: ASGIApp
    engine: sa.Engine  # sync, for reading and putting back rows
    dev: dict[str, str]  # headers with the dev key
    admin: dict[str, str]  # headers with an admin key (of `default`)


@dataclass
class ConformanceApp:
    """An app over a store of its own, made at once (SQLite) or by `ensure()` (PostgreSQL); an ASGI app itself."""

    prefix: str
    store: str = "sqlite"
    require_keys: bool = False
    _made: _Made | None = field(default=None, repr=False)

    def ensure(self) -> None:
        """Make the store and the app if not made yet (in the test's own thread, before a case is sent)."""
        if self._made is None:
            self._made = _make(self.prefix, self.store, self.require_keys)

    @property
    def made(self) -> _Made:
        if self._made is None:
            raise RuntimeError(f"{self.prefix}: call ensure() before a case is sent")
        return self._made

    @property
    def dev(self) -> dict[str, str]:
        return self.made.dev

    @property
    def admin(self) -> dict[str, str]:
        return self.made.admin

    def headers(self, path: str) -> dict[str, str]:
        """What a case on this path is sent with (see the module's docstring)."""
        if self.require_keys:
            return self.admin
        return self.dev if path.startswith(KEYED_PREFIXES) else {}

    def call_headers(self, case: schemathesis.Case) -> dict[str, str]:
        """The key a case is sent with, unless it is a negative case that left the key out on purpose
        (an operation that requires one): adding it back would make the case valid again, and
        schemathesis, which judges the case as generated, would call its acceptance a failure."""
        negative = case.meta is not None and case.meta.generation.mode.name == "NEGATIVE"
        if negative and "authorization" not in {name.lower() for name in (case.headers or {})}:
            return {}
        return self.headers(case.operation.path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.made.app(scope, receive, send)

    def rows(self, tables: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
        """Every row of these tables, as it is now."""
        with self.made.engine.connect() as conn:
            return {name: [dict(row._mapping) for row in conn.execute(metadata.tables[name].select())] for name in tables}

    def put_back(self, emptied: tuple[str, ...], rows: dict[str, list[dict[str, Any]]]) -> None:
        """Empty these tables (in this order) and insert `rows` (in their order), in one transaction."""
        with self.made.engine.begin() as conn:
            for name in emptied:
                conn.execute(metadata.tables[name].delete())
            for name, table_rows in rows.items():
                if table_rows:
                    conn.execute(metadata.tables[name].insert(), table_rows)


def _make(prefix: str, store: str, require_keys: bool) -> _Made:
    if store == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix=prefix)) / 'runyard.db'}"
    else:
        reason = pg_unavailable_reason()
        if reason:
            pytest.skip(reason)
        name = unique_name(prefix.strip("-").replace("-", "_"))
        url = create_pg_database(PG_ADMIN_URL, name)
        atexit.register(drop_pg_database, PG_ADMIN_URL, name)  # after the engine's dispose below (LIFO); WITH (FORCE) ends the app's
    app = create_app(url, require_keys=require_keys)  # migrates

    async def make_keys() -> tuple[str, str]:
        db = open_database(url, run_migrations=False)
        try:
            keys = KeyStore(db)
            return (await keys.create_key("dev"))[1], (await keys.create_key("default", admin=True))[1]
        finally:
            await db.close()

    dev, admin = asyncio.run(make_keys())
    engine = sa.create_engine(normalise_url(url).sync)
    atexit.register(engine.dispose)
    return _Made(url, app, engine, {"Authorization": f"Bearer {dev}"}, {"Authorization": f"Bearer {admin}"})


def conformance_app(prefix: str, *, require_keys: bool = False, store: str = "sqlite") -> ConformanceApp:
    conformance = ConformanceApp(prefix, store, require_keys)
    if store == "sqlite":
        conformance.ensure()
    return conformance


@functools.cache
def _document_app() -> ASGIApp:
    """A SQLite app whose only use is the document it serves."""
    return create_app(f"sqlite:///{Path(tempfile.mkdtemp(prefix='runyard-conformance-document-')) / 'runyard.db'}")


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    """A Trigger.dev batch's items: the contract says only "text" (each line is read by the dialect), so
    schemathesis sends what it generates as the text of the body."""
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else json.dumps(value).encode()


# Schemathesis' phases that send single cases: the contract's examples, the coverage phase (each
# operation's edges: every missing, wrong-typed and boundary value) and fuzzing (generated cases).
ALL_PHASES = ("examples", "coverage", "fuzzing")
WITHOUT_COVERAGE = ("examples", "fuzzing")


def conformance_schema(conformance: ConformanceApp, *, phases: tuple[str, ...] = ALL_PHASES) -> Any:
    """The schema schemathesis tests the app against, as the server serves it, with these phases. Strings
    without NUL characters: the contract refuses them (its introduction says so; tests/test_bad_input.py
    proves it), a rule JSON Schema cannot state for every string of a free-form input."""
    source = conformance.made.app if conformance.store == "sqlite" else _document_app()
    schema = schemathesis.openapi.from_asgi("/openapi.json", source)
    schema.app = conformance
    schema.config.generation.update(allow_x00=False)
    # Only when some are left out: update() also switches off every phase it is not given, stateful
    # included, and the stateful tests (tests/test_conformance_stateful.py) build on this schema.
    if phases != ALL_PHASES:
        schema.config.phases.update(phases=list(phases))
    # A body past --max-body-bytes is refused with 413 (documented wherever a body is taken) before
    # its contents are looked at: that refuses a schema-violating body as surely as a 400 would.
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(expected_statuses=[*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, 413])
    return schema


def conforms(conformance: ConformanceApp, case: schemathesis.Case) -> None:
    """Send `case` to `conformance` and check the answer against the contract (the conformance tests' one check)."""
    conformance.ensure()  # a PostgreSQL store is made by the first case that needs it
    response = case.call_and_validate(headers=conformance.call_headers(case), excluded_checks=_excluded_checks(case))
    _not_refused(case, response)
    _not_refused_by_the_contract(case, response)


def _not_refused(case: schemathesis.Case, response: schemathesis.Response) -> None:
    # 401 is a documented answer, so a run whose key were refused would still "conform": every
    # valid case carries a valid key (or needs none on the open server), so none may be refused.
    # (Negative cases may leave out or mangle the key on purpose.)
    if case.meta is None or case.meta.generation.mode.name == "POSITIVE":
        assert response.status_code != 401, f"{case.method} {case.formatted_path} refused: {response.text}"


# Requests the contract finds valid that the server may still refuse, as the API it matches does,
# with a documented error: whether a cron expression ever comes due or a time zone exists (a
# schedule: 400 natively, 422 on the Trigger.dev API), whether a locked version exists or an option
# runyard cannot honour was sent (a Trigger.dev trigger or replay: 422). JSON Schema cannot say
# those, so schemathesis' positive-data check (which counts a 422 as a wrong refusal) is replaced
# for these operations by `_not_refused_by_the_contract`: a valid request must never be refused
# as invalid (400). Every other check still applies.
SEMANTIC_REFUSALS = {
    ("GET", "/api/v1/runs"),  # a cursor with a page past the first (each valid alone): 400 `{detail}`
    ("POST", "/api/v1/schedules"),
    ("PUT", "/api/v1/schedules/{schedule_id}"),
    ("POST", "/trigger/api/v1/schedules"),
    ("PUT", "/trigger/api/v1/schedules/{scheduleId}"),
    ("POST", "/trigger/api/v1/tasks/{taskIdentifier}/trigger"),
    ("POST", "/trigger/api/v1/runs/{runId}/replay"),
    ("POST", "/trigger/api/v1/runs/{runId}/reschedule"),  # a past delay, a run not delayed: 400 in Trigger.dev's words
    ("POST", "/trigger/api/v1/tasks/batch"),  # as a trigger, per item
    ("POST", "/trigger/api/v2/tasks/batch"),
    ("POST", "/trigger/api/v1/tasks/{taskIdentifier}/batch"),
    ("POST", "/trigger/api/v3/batches/{batchId}/items"),  # each NDJSON line is read by the dialect (422 naming it)
    ("POST", "/trigger/api/v1/bulk-actions"),  # exactly one of filter and runIds, at most 500 ids: 400 in Trigger.dev's words
}


def _not_refused_by_the_contract(case: schemathesis.Case, response: schemathesis.Response) -> None:
    positive = case.meta is None or case.meta.generation.mode.name == "POSITIVE"
    if not positive or (case.method.upper(), case.operation.path) not in SEMANTIC_REFUSALS:
        return
    # The contract's refusals are Trigger.dev's `{error, details|issues}` and, natively, problem
    # documents; runyard's own checks answer `{error}` (Trigger.dev) or `{detail}` (native).
    media_type = response.headers.get("content-type", [""])
    problem = "problem+json" in (media_type[0] if isinstance(media_type, list) else media_type)
    body = response.json() if response.status_code == 400 and not problem else {}
    by_contract = response.status_code == 400 and (problem or "details" in body or "issues" in body)
    assert not by_contract, f"a valid {case.method} {case.formatted_path} was refused as invalid: {response.text}"


def _excluded_checks(case: schemathesis.Case) -> list:
    if (case.method.upper(), case.operation.path) in SEMANTIC_REFUSALS:
        return [schemathesis.checks.positive_data_acceptance]
    # In a comma-separated query list, a "wrong type" item such as the integer
    # -384480 is sent as the text -384480, a valid string item: the server must
    # accept it, and schemathesis' negative-data check cannot tell. Every other
    # check still applies to the Trigger.dev list.
    if case.operation.path == "/trigger/api/v1/runs" and case.meta and case.meta.generation.mode.name == "NEGATIVE":
        return [schemathesis.checks.negative_data_rejection]
    return []
