"""What the TrueFoundry API tests and the TrueFoundry SDK tests both need."""

from __future__ import annotations

# The `runs` column each TrueFoundry sortBy key orders by.
SORT_COLUMN = {"startTime": "started_at", "duration": "duration_ms", "deploymentVersion": "job_version", "triggeredBy": "triggered_by", "status": "state"}
