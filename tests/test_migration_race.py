"""Servers started at the same moment on a fresh SQLite file migrate it once, one after the other."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.servers import ROOT

pytestmark = pytest.mark.slow  # real processes

MIGRATE = "import sys; from runyard.store.db import open_database; open_database(sys.argv[1])"


def test_five_processes_migrating_one_fresh_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    # Without the migration lock, 15 of 20 such processes failed with "table jobs already exists".
    for attempt in range(2):
        url = f"sqlite:///{tmp_path / f'race-{attempt}.db'}"
        starts = [subprocess.Popen([sys.executable, "-c", MIGRATE, url], cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(5)]
        outcomes = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in starts]
        assert [code for code, _ in outcomes] == [0] * 5, [err for _, err in outcomes if err]
        with sqlite3.connect(tmp_path / f"race-{attempt}.db") as conn:
            assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)
