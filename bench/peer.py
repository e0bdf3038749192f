"""The peer: PraisonAI's own jobs server (`praisonai serve jobs`, 4.7.19) with its SQLite store.

Set-up: `praisonai[api]==4.7.19` goes into a cached virtualenv of its own
($RUNYARD_CACHE or ~/.cache/runyard, `praisonai-api-4.7.19`), never into
runyard's; the first set-up takes a minute, later ones reuse it.

Seeding, from reading praisonai/jobs/store.py and models.py of that version:
`SqliteJobStore(path)` creates one table,
`jobs(id, status, session_id, idempotency_key, created_at, completed_at, data, owner)`,
where `data` is the whole `Job` model as JSON (the server reads only that back)
and the other columns serve its filters: `status`/`session_id` for lists,
`created_at` (isoformat text) for their order, `idempotency_key` for submits.
So the benchmark creates the table by constructing the store in the peer's own
interpreter (its schema, its migrations), then bulk-inserts rows built from the
runyard store's runs, with `data` made from the JSON of one real
`Job(...).model_dump_json()` as a template and validated back with
`Job.model_validate_json` on a sample.

Two behaviours of that store would otherwise change the data under the benchmark:
- At start it marks every queued/running job FAILED unless its `owner` column
  names another live process (`<pid>:<start time>:<token>`). The rows are
  stamped with the benchmark process's own identity, which stays alive while
  the peer runs, so queued and running jobs stay as seeded.
- Every 300 s it deletes finished jobs whose `completed_at` column is older
  than 24 hours: with runs spread over 30 days it would delete ~97% of them
  mid-benchmark. That column is used by nothing else (status and lists read
  `data`, which keeps `completed_at`), so it is left NULL. In real use the peer
  holds only about a day of finished jobs; runyard keeps them all.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PRAISONAI_VERSION = "4.7.19"
NATIVE_STATUS = {
    "delayed": "queued", "queued": "queued", "retrying": "queued", "running": "running", "cancelling": "running",
    "succeeded": "succeeded", "failed": "failed", "timed_out": "failed", "crashed": "failed", "system_failure": "failed",
    "cancelled": "cancelled", "expired": "cancelled",
}  # fmt: skip


class PeerUnavailable(RuntimeError):
    """The peer could not be installed or started; the message says why."""


def cache_root() -> Path:
    return Path(os.environ.get("RUNYARD_CACHE", Path.home() / ".cache" / "runyard"))


def ensure_venv(log: Path) -> Path:
    """The peer's python, installing praisonai[api] into its cached venv on first use."""
    venv = cache_root() / f"praisonai-api-{PRAISONAI_VERSION}"
    python = venv / "bin" / "python"
    marker = venv / ".runyard-bench-ready"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".praisonai-api-{PRAISONAI_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two benchmark runs must not build it at once
        if marker.exists() and python.exists():
            return python
        base = os.environ.get("RUNYARD_PRAISONAI_PYTHON", "python3.11")
        with log.open("ab") as out:
            steps = [
                [base, "-m", "venv", "--clear", str(venv)],
                [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--retries", "2", f"praisonai[api]=={PRAISONAI_VERSION}"],
            ]
            for step in steps:
                try:
                    done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, timeout=1200, check=False)
                except (OSError, subprocess.TimeoutExpired) as exc:
                    raise PeerUnavailable(f"installing praisonai[api]=={PRAISONAI_VERSION} failed: {exc} (see {log})") from None
                if done.returncode != 0:
                    raise PeerUnavailable(
                        f"installing praisonai[api]=={PRAISONAI_VERSION} failed: `{' '.join(step[:3])} ...` exited {done.returncode} (see {log})"
                    )
        check = subprocess.run([str(python), "-c", "import praisonai.jobs.server, praisonai.jobs.store, uvicorn"], capture_output=True, text=True)
        if check.returncode != 0:
            raise PeerUnavailable(f"praisonai[api] installed but its jobs server does not import: {check.stderr.strip().splitlines()[-1:]}")
        marker.write_text(PRAISONAI_VERSION)
    return python


# Run in the peer's interpreter: create its store (its schema, its index, its owner column) and print a Job as JSON.
_CREATE_STORE = r"""
import sys
from praisonai.jobs.models import Job
from praisonai.jobs.store import SqliteJobStore
SqliteJobStore(path=sys.argv[1])._conn.close()
print(Job(prompt="x").model_dump_json())
"""

# Run in the peer's interpreter: the stored documents of a sample of jobs must read back as Jobs, as the server reads them.
_VALIDATE = r"""
import json, sqlite3, sys
from praisonai.jobs.models import Job
conn = sqlite3.connect(sys.argv[1])
n = 0
for (data,) in conn.execute("SELECT data FROM jobs ORDER BY random() LIMIT 200"):
    Job.model_validate_json(data).to_status_response()
    n += 1
print(n)
"""


def _peer_python(python: Path, code: str, *args: str) -> str:
    done = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise PeerUnavailable(f"the peer's interpreter failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip().splitlines()[-1]


def _proc_start(pid: int) -> str:
    # The same field praisonai.jobs.store._proc_start reads: the process start time in /proc/<pid>/stat.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def owner_id(pid: int | None = None) -> str:
    """An owner the peer takes for a live process other than itself: this (benchmark) process."""
    pid = pid or os.getpid()
    return f"{pid}:{_proc_start(pid)}:runyard-bench"


def _iso(us: int | None) -> str | None:
    return None if us is None else datetime.fromtimestamp(us / 1_000_000, tz=UTC).isoformat()


def _data(template: dict[str, Any], run: dict[str, Any]) -> str:
    job = dict(template)
    job.update(
        id=run["id"],
        status=NATIVE_STATUS[run["state"]],
        prompt=f"{run['job_name']}: {run['input']}",
        session_id=run["session_id"],
        idempotency_key=run["idempotency_key"],
        progress_percentage=run["progress_percentage"],
        progress_step=run["progress_step"],
        created_at=_iso(run["created_at"]),
        started_at=_iso(run["started_at"]),
        completed_at=_iso(run["completed_at"]),
        result=run["result"],
        error=run["error"],
    )
    return json.dumps(job)


def seed(python: Path, path: Path, runs: Iterable[dict[str, Any]], chunk: int = 5_000) -> int:
    """Fill a fresh peer store at `path` with these runs (dicts of runyard columns); returns the count."""
    path.unlink(missing_ok=True)
    template = json.loads(_peer_python(python, _CREATE_STORE, str(path)))
    owner = owner_id()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")  # a benchmark store: a crash while seeding means seeding again
    sql = "INSERT INTO jobs (id, status, session_id, idempotency_key, created_at, completed_at, data, owner) VALUES (?, ?, ?, ?, ?, NULL, ?, ?)"
    count = 0
    batch: list[tuple[Any, ...]] = []
    for run in runs:
        status = NATIVE_STATUS[run["state"]]
        batch.append((run["id"], status, run["session_id"], run["idempotency_key"], _iso(run["created_at"]), _data(template, run), owner))
        count += 1
        if len(batch) >= chunk:
            conn.executemany(sql, batch)
            batch.clear()
    conn.executemany(sql, batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()
    _peer_python(python, _VALIDATE, str(path))
    return count


def command(python: Path, port: int, db_path: Path) -> list[str]:
    """`praisonai serve jobs` as its users start it (one uvicorn process, its default logging)."""
    return [str(python.parent / "praisonai"), "serve", "jobs", "--host", "127.0.0.1", "--port", str(port), "--db", str(db_path)]


if __name__ == "__main__":  # `python -m bench.peer`: just build the venv and print its python
    print(ensure_venv(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/dev/stderr")))
