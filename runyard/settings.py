"""Settings: where to listen and which database to use."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8005
ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "runyard.yaml"


def default_database_url() -> str:
    """RUNYARD_DATABASE_URL, else a SQLite file in the per-user data folder."""
    url = os.environ.get("RUNYARD_DATABASE_URL")
    if url:
        return url
    folder = Path(user_data_dir("runyard", appauthor=False))
    return f"sqlite:///{folder / 'runyard.db'}"
