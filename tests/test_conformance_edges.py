"""Schemathesis' coverage phase on the open SQLite server: each operation's edges of the contract.

The coverage phase sends every missing, wrong-typed and boundary value the contract allows or refuses
for each operation (4,863 cases): valid edges must be accepted, invalid ones refused with a
documented 4xx, and every answer must match the contract (tests/_conformance.conforms, the same check
as tests/test_conformance.py, which runs the examples and fuzzing phases on a server of the same kind).
Marked slow as a whole, so the fast loop does not even import it (schemathesis makes the coverage
cases while it collects the module): in a full run on an AMD EPYC host this module took 24 s of a
test process's CPU, the examples and fuzzing phases of test_conformance.py 45 s.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import conformance_app, conformance_schema, conforms

pytestmark = pytest.mark.slow

EDGES = conformance_app("runyard-conformance-edges-")
schema = conformance_schema(EDGES, phases=("coverage",))


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_at_the_contracts_edges(case: schemathesis.Case) -> None:
    conforms(EDGES, case)
