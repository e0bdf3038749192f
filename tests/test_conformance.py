"""Schemathesis proves the server obeys openapi/runyard.yaml: every operation, on an open server and on
one that requires keys, over a SQLite file and over a PostgreSQL database (the links: test_conformance_stateful.py).

Responses are validated against the 3.1 document: no 5xx, documented status
codes, media types, headers and bodies only. PostgreSQL gets half the examples:
what differs there is the store, and the store is reached by fewer of them.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import ConformanceApp, conformance_app, conformance_schema

OPEN = conformance_app("runyard-conformance-")
SECURED = conformance_app("runyard-conformance-secured-", require_keys=True)
PG_OPEN = conformance_app("runyard-conformance-pg-", store="postgresql")
PG_SECURED = conformance_app("runyard-conformance-pg-secured-", require_keys=True, store="postgresql")
schema = conformance_schema(OPEN)
secured_schema = conformance_schema(SECURED)
pg_schema = conformance_schema(PG_OPEN)
pg_secured_schema = conformance_schema(PG_SECURED)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    _conforms(OPEN, case)


@secured_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_with_keys_required(case: schemathesis.Case) -> None:
    _conforms(SECURED, case)


@pg_schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_on_postgresql(case: schemathesis.Case) -> None:
    _conforms(PG_OPEN, case)


@pg_secured_schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_with_keys_required_on_postgresql(case: schemathesis.Case) -> None:
    _conforms(PG_SECURED, case)


def _conforms(conformance: ConformanceApp, case: schemathesis.Case) -> None:
    conformance.ensure()  # a PostgreSQL store is made by the first case that needs it
    response = case.call_and_validate(headers=conformance.headers(case.operation.path), excluded_checks=_excluded_checks(case))
    _not_refused(case, response)


def _not_refused(case: schemathesis.Case, response: schemathesis.Response) -> None:
    # 401 is a documented answer, so a run whose key were refused would still "conform": every
    # valid case carries a valid key (or needs none on the open server), so none may be refused.
    # (Negative cases may leave out or mangle the key on purpose.)
    if case.meta is None or case.meta.generation.mode.name == "POSITIVE":
        assert response.status_code != 401, f"{case.method} {case.formatted_path} refused: {response.text}"


def _excluded_checks(case: schemathesis.Case) -> list:
    # In a comma-separated query list, a "wrong type" item such as the integer
    # -384480 is sent as the text -384480, a valid string item: the server must
    # accept it, and schemathesis' negative-data check cannot tell. Every other
    # check still applies to the Trigger.dev list.
    if case.operation.path == "/trigger/api/v1/runs" and case.meta and case.meta.generation.mode.name == "NEGATIVE":
        return [schemathesis.checks.negative_data_rejection]
    return []
