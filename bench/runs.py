"""The worker-side cases' jobs (a runyard.toml for `runyard serve --jobs`) and their runs as stored.

The cases read the runs' times from the database once they finished, not from the API while they
run: a status poll every few milliseconds would take the server's CPU from the very worker being
timed (the embedded workers share the server's event loop).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from runyard.domain import FINISHED_STATES
from runyard.store.db import normalise_url

TRUE_JOB = "bench-true"  # `true`: a run whose command costs nothing, so what is measured is runyard's part
HOLD_JOB = "bench-hold"  # `sleep 600`: queued under --workers 0, a run (and a stream) that stays open

JOBS_TOML = f"""\
[jobs.{TRUE_JOB}]
command = ["true"]

[jobs.{HOLD_JOB}]
command = ["sleep", "600"]
"""

FINISHED = sorted(state.value for state in FINISHED_STATES)


def write_jobs(folder: Path) -> Path:
    path = folder / "bench-jobs.toml"
    path.write_text(JOBS_TOML)
    return path


def _engine(url: str) -> sa.Engine:
    return sa.create_engine(normalise_url(url).sync)


def unfinished(url: str, since_us: int) -> int:
    """Runs created since `since_us` that have not finished yet."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text("SELECT count(*) FROM runs WHERE created_at >= :since AND state NOT IN :finished").bindparams(
                        sa.bindparam("finished", expanding=True)
                    ),
                    {"since": since_us, "finished": FINISHED},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def wait_finished(url: str, since_us: int, timeout: float, interval: float = 0.5) -> float:
    """Wait until every run created since `since_us` has finished (one count every `interval`); seconds waited.

    Raises TimeoutError naming how many are left: a case whose runs do not finish has no figure."""
    start = time.monotonic()
    while (left := unfinished(url, since_us)) > 0:
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{left} run(s) still unfinished after {timeout:.0f} s")
        time.sleep(interval)
    return time.monotonic() - start


def times(url: str, since_us: int) -> list[dict[str, Any]]:
    """state, created_at, started_at, completed_at (µs) of the runs created since `since_us`."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT state, created_at, started_at, completed_at FROM runs WHERE created_at >= :since ORDER BY created_at"), {"since": since_us}
            ).all()
    finally:
        engine.dispose()
    return [dict(row._mapping) for row in rows]
