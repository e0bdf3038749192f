"""Schemathesis proves the server obeys openapi/runyard.yaml: every operation, on an open server and on
one that requires keys, over a SQLite file and over a PostgreSQL database (the links: test_conformance_stateful.py).
This module holds the open SQLite server's variant, which the fast loop runs, with schemathesis'
examples and fuzzing phases (3,581 cases). Its coverage phase (each operation's edges of the
contract, 4,863 cases) runs on the same kind of server in test_conformance_edges.py, marked slow, so
the fast loop leaves it out and does not build it: 24 s of a test process's CPU in a full run on an
AMD EPYC host, against 45 s for this module's two phases. The
other three variants are in test_conformance_variants.py, marked slow too (building a variant's
tests takes seconds at collection).

Responses are validated against the 3.1 document: no 5xx, documented status
codes, media types, headers and bodies only. PostgreSQL gets half the examples:
what differs there is the store, and the store is reached by fewer of them.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import WITHOUT_COVERAGE, conformance_app, conformance_schema, conforms

OPEN = conformance_app("runyard-conformance-")
schema = conformance_schema(OPEN, phases=WITHOUT_COVERAGE)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    conforms(OPEN, case)
