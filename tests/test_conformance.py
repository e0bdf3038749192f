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
