"""The conformance test (tests/test_conformance.py, test_conformance_edges.py) on a server that requires keys, and on PostgreSQL open and with keys.

Marked slow as a whole, so that the fast loop does not even collect it (tests/conftest.py): schemathesis
builds every operation's test when it collects (with its coverage phase's cases), seconds of each test
process's CPU. The variants that require keys leave the coverage phase to the open ones (see below).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import WITHOUT_COVERAGE, conformance_app, conformance_schema, conforms

pytestmark = pytest.mark.slow

SECURED = conformance_app("runyard-conformance-secured-", require_keys=True)
PG_OPEN = conformance_app("runyard-conformance-pg-", store="postgresql")
PG_SECURED = conformance_app("runyard-conformance-pg-secured-", require_keys=True, store="postgresql")
# The coverage phase sends each operation's edges of the contract: every missing, wrong-typed and
# boundary value, about 4,900 cases, more than half of a variant's cases. Each store gets them on its open
# server (SQLite: tests/test_conformance_edges.py; PostgreSQL: PG_OPEN), where the boundary values that
# pass validation reach the store. On the servers that require keys the same cases, sent with an
# admin key, meet the same validation and the same store as on the open one of their store, so
# those variants run the examples and fuzzing phases only.
secured_schema = conformance_schema(SECURED, phases=WITHOUT_COVERAGE)
pg_schema = conformance_schema(PG_OPEN)
pg_secured_schema = conformance_schema(PG_SECURED, phases=WITHOUT_COVERAGE)


@secured_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_with_keys_required(case: schemathesis.Case) -> None:
    conforms(SECURED, case)


@pg_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_on_postgresql(case: schemathesis.Case) -> None:
    conforms(PG_OPEN, case)


@pg_secured_schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_with_keys_required_on_postgresql(case: schemathesis.Case) -> None:
    conforms(PG_SECURED, case)
