"""The progress protocol a job speaks on stdout.

    ::progress <percent> <step text>    progress.percentage and progress.current_step
    ::result <json>                     the run's result (served by /result)
    ::metadata <json>                   metadata operations on the run: one or a list
                                        ({"type": "set", "key": "k", "value": 1}, ...: runyard.domain.metadata)

Every other line is ordinary output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProgressLine:
    percentage: float
    step: str | None


@dataclass(frozen=True)
class ResultLine:
    value: Any


@dataclass(frozen=True)
class MetadataLine:
    operations: list[dict[str, Any]]


def parse_line(line: str) -> ProgressLine | ResultLine | MetadataLine | None:
    """The protocol message in one line of stdout, or None for ordinary output."""
    text = line.rstrip("\r\n")
    if text.startswith("::progress "):
        parts = text[len("::progress ") :].strip().split(None, 1)
        if not parts:
            return None
        try:
            percentage = float(parts[0].rstrip("%"))
        except ValueError:
            return None
        if percentage != percentage:  # NaN
            return None
        step = parts[1].strip() if len(parts) > 1 and parts[1].strip() else None
        return ProgressLine(min(100.0, max(0.0, percentage)), step)
    if text.startswith("::result "):
        payload = text[len("::result ") :].strip()
        try:
            return ResultLine(json.loads(payload))
        except ValueError:
            # Not JSON: keep what the job said rather than lose it.
            return ResultLine(payload)
    if text.startswith("::metadata "):
        try:
            given = json.loads(text[len("::metadata ") :])
        except ValueError:
            return None  # not JSON: ordinary output
        operations = given if isinstance(given, list) else [given]
        if all(isinstance(operation, dict) for operation in operations):
            return MetadataLine(operations)
    return None
