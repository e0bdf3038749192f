"""Schemathesis follows the spec's links (submit -> status, result, cancel, delete; trigger -> retrieve, ...)
and validates every response against the 3.1 document.

It has its own store, emptied before each generated workflow, so that a
workflow replayed by Hypothesis meets the same data it first met.
"""

from __future__ import annotations

import sqlite3

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import conformance_app

pytestmark = pytest.mark.slow  # schemathesis workflows (several seconds)

_DB, app, AUTH = conformance_app("runyard-stateful-")
_TABLES = ("jobs", "job_versions", "environments", "api_keys")


def _snapshot() -> dict[str, list[tuple]]:
    with sqlite3.connect(_DB) as conn:
        return {table: conn.execute(f"SELECT * FROM {table}").fetchall() for table in _TABLES}


_START = _snapshot()  # the demo job and the key, as the app started
schema = schemathesis.openapi.from_asgi("/openapi.json", app)
Workflow = schema.as_state_machine()


class LinkedWorkflow(Workflow):  # type: ignore[misc, valid-type]
    def get_call_kwargs(self, case: schemathesis.Case) -> dict:
        return {"headers": AUTH}

    def setup(self) -> None:
        # Everything a workflow can change (a workflow may even delete `demo`) goes back to how the app started.
        with sqlite3.connect(_DB) as conn:
            for table in ("run_tags", "runs", "job_counters", *reversed(_TABLES)):
                conn.execute(f"DELETE FROM {table}")
            for table in _TABLES:
                for row in _START[table]:
                    conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)


TestLinkedWorkflowsConform = LinkedWorkflow.TestCase
TestLinkedWorkflowsConform.settings = settings(
    max_examples=80, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
TestLinkedWorkflowsConform.__doc__ = "Submit, then follow the links to status, result, cancel and delete."
