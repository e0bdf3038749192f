"""Settings: where to listen and which database to use."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8005
ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "runyard.yaml"

# What a request may send (runyard.web.limits) and how large a run's input may be (RunService): a
# run's input, as JSON, is stored with the run and read by every status and list.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_INPUT_BYTES = 512 * 1024
# How long a statement waits for the store (SQLite's write lock held by another process, a free
# PostgreSQL connection) before the request is refused with 503 and Retry-After instead of hanging.
DEFAULT_STORE_WAIT_SECONDS = 2.0
# The job a prompt submission runs when it names none (PraisonAI's request): runyard.prompt_job.
DEFAULT_PROMPT_JOB = "praisonai"
# The longest retention (`--retention-days`, a job's `retention_days` in the spec's JobSpec): a hundred
# years, far enough to mean "keep" and small enough to subtract from a time.
MAX_RETENTION_DAYS = 36_500


def default_database_url() -> str:
    """RUNYARD_DATABASE_URL, else a SQLite file in the per-user data folder."""
    url = os.environ.get("RUNYARD_DATABASE_URL")
    if url:
        return url
    folder = Path(user_data_dir("runyard", appauthor=False))
    return f"sqlite:///{folder / 'runyard.db'}"
