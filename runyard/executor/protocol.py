"""The progress protocol a job speaks on stdout.

    ::progress <percent> <step text>    progress.percentage and progress.current_step
    ::result <json>                     the run's result (served by /result)

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


def parse_line(line: str) -> ProgressLine | ResultLine | None:
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
    return None
