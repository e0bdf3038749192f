"""The conformance test (tests/test_conformance.py) on a server that requires keys, and on PostgreSQL open and with keys.

Marked slow as a whole, so that the fast loop does not even collect it (tests/conftest.py): schemathesis
builds every operation's test when it collects, about 4 s of each test process's CPU for these three.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import conformance_app, conformance_schema, conforms

pytestmark = pytest.mark.slow

SECURED = conformance_app("runyard-conformance-secured-", require_keys=True)
PG_OPEN = conformance_app("runyard-conformance-pg-", store="postgresql")
PG_SECURED = conformance_app("runyard-conformance-pg-secured-", require_keys=True, store="postgresql")
secured_schema = conformance_schema(SECURED)
pg_schema = conformance_schema(PG_OPEN)
pg_secured_schema = conformance_schema(PG_SECURED)


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
