"""Dialects: mappings at the edge between the one domain model and each public API."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from runyard.domain import RunState


def states_shown_as(shown: Mapping[RunState, enum.Enum], statuses: Iterable[str]) -> frozenset[RunState]:
    """Every internal state a dialect shows under any of these statuses; a status it never shows selects none."""
    wanted = set(statuses)
    return frozenset(state for state, status in shown.items() if status.value in wanted)
