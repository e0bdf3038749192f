"""Schemathesis follows the spec's links (submit -> status, result, cancel, delete; trigger -> retrieve, ...)
and validates every response against the 3.1 document, on an open server and on one that requires keys,
over a SQLite file and over a PostgreSQL database.

Each has its own store, put back as the app started before each generated workflow, so that a
workflow replayed by Hypothesis meets the same data it first met. PostgreSQL gets half the workflows.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests._conformance import ConformanceApp, conformance_app, conformance_schema

pytestmark = pytest.mark.slow  # schemathesis workflows (several seconds)

_KEPT = ("jobs", "job_versions", "environments", "api_keys")  # as the app started: the demo job and the keys
_EMPTIED = ("run_tags", "runs", "job_counters", *reversed(_KEPT))  # children first
SETTINGS = settings(max_examples=80, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck), database=None)
PG_SETTINGS = settings(SETTINGS, max_examples=40)


def linked_workflow(conformance: ConformanceApp) -> type:
    """The schema's state machine over an app, its store put back as the app started before each workflow."""
    # Keys and schedules are not linked to runs; they are proven statelessly (test_conformance.py) and
    # in test_trust.py and test_schedules_api.py.
    schema = conformance_schema(conformance).exclude(path_regex="^/api/v1/keys|/schedules")
    workflow = schema.as_state_machine()
    start: dict[str, list[dict[str, Any]]] = {}

    class LinkedWorkflow(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict:
            return {"headers": conformance.call_headers(case)}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            # 401 is a documented answer, so a workflow whose key were refused would still "conform":
            # every valid call carries a valid key (or needs none), so none may be refused.
            # (Negative calls may leave out the key on purpose.)
            if case.meta is None or case.meta.generation.mode.name == "POSITIVE":
                assert response.status_code != 401, f"{case.method} {case.formatted_path} refused: {response.text}"

        def setup(self) -> None:
            conformance.ensure()  # a PostgreSQL store is made by the first workflow
            if not start:  # before any workflow ran: as the app started
                start.update(conformance.rows(_KEPT))
            # Everything a workflow can change (a workflow may even delete `demo`) goes back to how the app started.
            conformance.put_back(_EMPTIED, start)

    return LinkedWorkflow


TestLinkedWorkflowsConform = linked_workflow(conformance_app("runyard-stateful-")).TestCase
TestLinkedWorkflowsConform.settings = SETTINGS
TestLinkedWorkflowsConform.__doc__ = "Submit, then follow the links to status, result, cancel and delete."

TestLinkedWorkflowsConformWithKeysRequired = linked_workflow(conformance_app("runyard-stateful-secured-", require_keys=True)).TestCase
TestLinkedWorkflowsConformWithKeysRequired.settings = SETTINGS
TestLinkedWorkflowsConformWithKeysRequired.__doc__ = "The same workflows on a server that requires keys, with an admin key."

TestLinkedWorkflowsConformOnPostgresql = linked_workflow(conformance_app("runyard-stateful-pg-", store="postgresql")).TestCase
TestLinkedWorkflowsConformOnPostgresql.settings = PG_SETTINGS
TestLinkedWorkflowsConformOnPostgresql.__doc__ = "The same workflows over a PostgreSQL store."

TestLinkedWorkflowsConformWithKeysRequiredOnPostgresql = linked_workflow(
    conformance_app("runyard-stateful-pg-secured-", require_keys=True, store="postgresql")
).TestCase
TestLinkedWorkflowsConformWithKeysRequiredOnPostgresql.settings = PG_SETTINGS
TestLinkedWorkflowsConformWithKeysRequiredOnPostgresql.__doc__ = "The same workflows over a PostgreSQL store, keys required."
