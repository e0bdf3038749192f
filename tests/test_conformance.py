"""Schemathesis proves the server obeys openapi/runyard.yaml: every operation, and the links between them.

Responses are validated against the 3.1 document: no 5xx, documented status
codes, media types, headers and bodies only.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from runyard.app import create_app

_DB = Path(tempfile.mkdtemp(prefix="runyard-conformance-")) / "runyard.db"
app = create_app(f"sqlite:///{_DB}")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms(case: schemathesis.Case) -> None:
    case.call_and_validate()


Workflow = schema.as_state_machine()


class LinkedWorkflow(Workflow):  # type: ignore[misc, valid-type]
    def setup(self) -> None:
        # Each generated workflow starts from an empty store, so that replaying
        # a workflow meets the same data it first met.
        with sqlite3.connect(_DB) as conn:
            conn.execute("DELETE FROM runs")
            conn.execute("DELETE FROM jobs WHERE name != 'demo'")
            conn.execute("DELETE FROM job_versions WHERE name != 'demo'")


TestLinkedWorkflowsConform = LinkedWorkflow.TestCase
TestLinkedWorkflowsConform.settings = settings(max_examples=40, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck))
TestLinkedWorkflowsConform.__doc__ = "Submit, then follow the links to status, result, cancel and delete."
