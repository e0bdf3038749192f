"""Schemathesis follows the spec's links (submit -> status, result, cancel, delete; trigger -> retrieve, ...)
and validates every response against the 3.1 document, on an open server and on one that requires keys.

Each has its own store, emptied before each generated workflow, so that a
workflow replayed by Hypothesis meets the same data it first met.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import ConformanceApp, conformance_app, conformance_schema

pytestmark = pytest.mark.slow  # schemathesis workflows (several seconds)

_TABLES = ("jobs", "job_versions", "environments", "api_keys")
SETTINGS = settings(max_examples=80, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def _snapshot(database: str) -> dict[str, list[tuple]]:
    with sqlite3.connect(database) as conn:
        return {table: conn.execute(f"SELECT * FROM {table}").fetchall() for table in _TABLES}


def linked_workflow(conformance: ConformanceApp) -> type:
    """The schema's state machine over an app, its store put back as the app started before each workflow."""
    start = _snapshot(str(conformance.database))  # the demo job and the keys, as the app started
    # Keys are not linked to anything; creating and revoking them is proven statelessly and in test_trust.py.
    schema = conformance_schema(conformance).exclude(path_regex="^/api/v1/keys")
    workflow = schema.as_state_machine()

    class LinkedWorkflow(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict:
            return {"headers": conformance.headers(case.operation.path)}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            # 401 is a documented answer, so a workflow whose key were refused would still "conform":
            # every valid call carries a valid key (or needs none), so none may be refused.
            # (Negative calls may leave out the key on purpose.)
            if case.meta is None or case.meta.generation.mode.name == "POSITIVE":
                assert response.status_code != 401, f"{case.method} {case.formatted_path} refused: {response.text}"

        def setup(self) -> None:
            # Everything a workflow can change (a workflow may even delete `demo`) goes back to how the app started.
            with sqlite3.connect(conformance.database) as conn:
                for table in ("run_tags", "runs", "job_counters", *reversed(_TABLES)):
                    conn.execute(f"DELETE FROM {table}")
                for table in _TABLES:
                    for row in start[table]:
                        conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)

    return LinkedWorkflow


TestLinkedWorkflowsConform = linked_workflow(conformance_app("runyard-stateful-")).TestCase
TestLinkedWorkflowsConform.settings = SETTINGS
TestLinkedWorkflowsConform.__doc__ = "Submit, then follow the links to status, result, cancel and delete."

TestLinkedWorkflowsConformWithKeysRequired = linked_workflow(conformance_app("runyard-stateful-secured-", require_keys=True)).TestCase
TestLinkedWorkflowsConformWithKeysRequired.settings = SETTINGS
TestLinkedWorkflowsConformWithKeysRequired.__doc__ = "The same workflows on a server that requires keys, with an admin key."
