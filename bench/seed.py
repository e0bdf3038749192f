"""Seed a runyard store with many realistic runs, fast.

Jobs (with several versions), environments and API keys are made through
runyard's own stores, so they are exactly what a server would have made; the
runs themselves are bulk-loaded (sqlite3 executemany in chunks, or COPY on
PostgreSQL), with the secondary indexes dropped during the load and rebuilt
after it (building an index once is far cheaper than growing 20 of them row by
row), then ANALYZE.

The data is deterministic for a given seed and end time, so the SQLite and
PostgreSQL stores of one benchmark run hold the same runs.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from ulid import ULID

from runyard.domain import FINISHED_STATES, RunState
from runyard.jobs import DEMO_JOB_NAME, JobDefinition, demo_job
from runyard.store.counts import RECOUNT, RunCounts
from runyard.store.db import Database, migrate, normalise_url, open_database
from runyard.store.jobs import JobStore
from runyard.store.keys import KeyStore
from runyard.timeutil import now_us

US = 1_000_000
DAY_US = 86_400 * US


@dataclass(frozen=True)
class JobSpec:
    name: str
    weight: float  # share of all runs
    versions: int  # versions defined over the seeded period; runs use the one current at their creation
    median_ms: int  # typical duration (log-normal around it)


JOBS: tuple[JobSpec, ...] = (
    JobSpec("send-email", 30, 3, 800),
    JobSpec("resize-image", 20, 2, 2_500),
    JobSpec("ingest", 15, 5, 20_000),
    JobSpec("sync-crm", 12, 4, 45_000),
    JobSpec("report", 10, 2, 120_000),
    JobSpec(DEMO_JOB_NAME, 8, 1, 3_000),
    JobSpec("nightly-backup", 3, 1, 900_000),
    JobSpec("train-model", 2, 3, 3_600_000),
)

# Internal states and how often a run is found in each (most runs are long finished).
STATE_WEIGHTS: tuple[tuple[RunState, float], ...] = (
    (RunState.SUCCEEDED, 71.0),
    (RunState.FAILED, 8.0),
    (RunState.TIMED_OUT, 1.0),
    (RunState.CRASHED, 0.5),
    (RunState.SYSTEM_FAILURE, 0.2),
    (RunState.CANCELLED, 4.0),
    (RunState.EXPIRED, 0.8),
    (RunState.QUEUED, 6.0),
    (RunState.DELAYED, 1.0),
    (RunState.RETRYING, 0.5),
    (RunState.RUNNING, 6.0),
    (RunState.CANCELLING, 1.0),
)

ENVIRONMENTS = ("dev", "prod")
# env name -> share of runs; the rest were submitted through the native API (no environment).
ENV_WEIGHTS = {"dev": 70.0, "prod": 20.0, None: 10.0}
SESSIONS = 2_000  # distinct session ids, Zipf-distributed; half the runs have none
SESSION_SHARE = 0.5
TAG_VOCABULARY = [f"user_{i}" for i in range(300)] + ["priority:high", "priority:low", "region:eu", "region:us", "batch", "backfill"]

# The runs table's columns in load order (COPY and executemany both use it).
RUN_COLUMNS = (
    "id", "job_name", "job_version", "state", "session_id", "tags", "input", "idempotency_key",
    "created_at", "updated_at", "delayed_until", "ttl_seconds", "started_at", "completed_at",
    "attempt", "max_attempts", "progress_percentage", "progress_step", "result", "error", "exit_code",
    "lease_owner", "lease_expires_at", "expires_at", "retry_at", "duration_ms", "stdout_tail", "stderr_tail",
    "env_id", "is_test", "name", "triggered_by", "command_override",
)  # fmt: skip
TAG_COLUMNS = ("run_id", "tag", "env_id", "created_at")


@dataclass
class SeedInfo:
    """What the benchmark needs to know about a seeded store."""

    url: str
    runs: int
    run_tags: int
    dev_secret: str  # a key of the dev environment (Trigger and TrueFoundry dialects)
    dev_env_id: str
    sample_ids: list[str]  # random existing run ids, for status-by-id
    top_session: str  # the most used session id
    top_job: str  # the job with most runs
    deep_cursor: str = ""  # set by the benchmark: a Trigger.dev cursor deep in the dev environment's list
    deep_cursor_depth: int = 0  # how many of the environment's newest runs lie before it
    counts_by_state: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _run_id(created_us: int, rng: random.Random) -> str:
    # runyard's ids are `run_` + a lower-case ULID whose time part is the creation millisecond.
    raw = (created_us // 1000).to_bytes(6, "big") + rng.getrandbits(80).to_bytes(10, "big")
    return "run_" + str(ULID.from_bytes(raw)).lower()


class RunGenerator:
    """Deterministic rows for `n` runs created over `days` days up to `end_us`, oldest first."""

    def __init__(self, n: int, *, end_us: int, days: float, seed: int, env_ids: dict[str, str], key_ids: dict[str, str]) -> None:
        self.n = n
        self.end_us = end_us
        self.start_us = end_us - int(days * DAY_US)
        self.rng = random.Random(seed)
        self.env_ids = env_ids
        self.key_ids = key_ids
        self.counters: dict[str, int] = {job.name: 0 for job in JOBS}
        self._job_cw = _cumulative([j.weight for j in JOBS])
        self._state_cw = _cumulative([w for _, w in STATE_WEIGHTS])
        self._env_names = list(ENV_WEIGHTS)
        self._env_cw = _cumulative(list(ENV_WEIGHTS.values()))
        self._session_cw = _cumulative([1.0 / (k + 1) for k in range(SESSIONS)])
        self._tag_cw = _cumulative([1.0 / (k + 1) ** 0.8 for k in range(len(TAG_VOCABULARY))])

    def _times(self) -> Iterator[int]:
        """n sorted creation times: uniform spacing with jitter, without holding n floats in memory."""
        span = self.end_us - self.start_us
        step = span / self.n
        previous = self.start_us
        for i in range(self.n):
            t = self.start_us + int((i + self.rng.random()) * step)
            previous = max(previous + 1, t)  # strictly increasing: no ties in the list order
            yield previous

    def chunks(self, size: int) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """(run rows, tag rows) in chunks of `size` runs, in RUN_COLUMNS / TAG_COLUMNS order."""
        runs: list[tuple[Any, ...]] = []
        tags: list[tuple[Any, ...]] = []
        for i, created in enumerate(self._times()):
            run, run_tags = self._row(i, created)
            runs.append(run)
            tags.extend(run_tags)
            if len(runs) >= size:
                yield runs, tags
                runs, tags = [], []
        if runs:
            yield runs, tags

    def _row(self, i: int, created: int) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        rng = self.rng
        job = JOBS[bisect.bisect_left(self._job_cw, rng.random() * self._job_cw[-1])]
        state = STATE_WEIGHTS[bisect.bisect_left(self._state_cw, rng.random() * self._state_cw[-1])][0]
        env_name = self._env_names[bisect.bisect_left(self._env_cw, rng.random() * self._env_cw[-1])]
        env_id = self.env_ids[env_name] if env_name else None
        self.counters[job.name] += 1
        name = f"{job.name}-{self.counters[job.name]}"
        # The version current when the run was made: versions were defined at even intervals.
        elapsed = (created - self.start_us) / max(1, self.end_us - self.start_us)
        version = min(job.versions, 1 + int(elapsed * job.versions))
        session = None
        if rng.random() < SESSION_SHARE:
            session = f"session-{bisect.bisect_left(self._session_cw, rng.random() * self._session_cw[-1]):04d}"
        run_tags: list[str] = []
        if env_id is not None and rng.random() < 0.6:
            for _ in range(rng.randint(1, 3)):
                run_tags.append(TAG_VOCABULARY[bisect.bisect_left(self._tag_cw, rng.random() * self._tag_cw[-1])])
            run_tags = list(dict.fromkeys(run_tags))
        triggered_by = self.key_ids[env_name] if env_name and rng.random() < 0.5 else None
        idempotency_key = None
        if rng.random() < 0.1:
            idempotency_key = f"{env_id}:order-{i}" if env_id else f"order-{i}"

        started = completed = duration = delayed_until = retry_at = expires_at = lease_expires = ttl = None
        lease_owner = result = error = exit_code = progress_step = stdout = stderr = None
        attempt, progress = 0, 0.0
        queue_delay = int(rng.expovariate(1 / 2.0) * US)  # seconds waiting for a worker
        run_us = int(job.median_ms * 1000 * math.exp(rng.gauss(0, 0.6)))
        finished = state in FINISHED_STATES
        if state is RunState.CANCELLED and rng.random() < 0.5:
            completed = created + queue_delay  # cancelled while it waited
        elif state is RunState.EXPIRED:
            ttl = 600
            expires_at = created + ttl * US
            completed = expires_at
        elif finished or state in (RunState.RUNNING, RunState.CANCELLING, RunState.RETRYING):
            started = created + queue_delay
            attempt = 1 if rng.random() < 0.9 else rng.randint(2, 3)
            stdout = "".join(f"step {k}: ok ({job.name})\n" for k in range(1, 6))
            stderr = ""
            if finished:
                completed = started + (run_us if state is not RunState.TIMED_OUT else 3_600 * US)
                duration = (completed - started) // 1000
            else:
                lease_owner = "worker-bench"
                lease_expires = created + 15 * US
                progress, progress_step = 40.0, "Processing"
        elif state is RunState.DELAYED:
            delayed_until = created + 3_600 * US
        if state is RunState.RETRYING:
            started, retry_at = None, created + 60 * US
        if state is RunState.SUCCEEDED:
            result, exit_code, progress, progress_step = json.dumps({"ok": True, "items": i % 97}), 0, 100.0, "Done"
        elif state is RunState.FAILED:
            error, exit_code = "Exited with code 1", 1
        elif state is RunState.TIMED_OUT:
            error, exit_code = "Timed out after 3600 seconds", -15
        elif state is RunState.CRASHED:
            error = "The worker running it vanished"
        elif state is RunState.SYSTEM_FAILURE:
            error = "Could not start the command"
        elif state in (RunState.CANCELLED, RunState.EXPIRED):
            error = "Cancelled by user" if state is RunState.CANCELLED else "Expired before it started"
        updated = completed or started or created
        row = (
            _run_id(created, rng), job.name, version, state.value, session, json.dumps(run_tags),
            json.dumps({"n": i, "topic": f"topic-{i % 50}"}), idempotency_key,
            created, updated, delayed_until, ttl, started, completed,
            attempt, 3 if job.name == "sync-crm" else 1, progress, progress_step, result, error, exit_code,
            lease_owner, lease_expires, expires_at, retry_at, duration, stdout, stderr,
            env_id, rng.random() < 0.05, name, triggered_by, None,
        )  # fmt: skip
        return row, [(row[0], tag, env_id, created) for tag in run_tags]


def _job_definitions(spec: JobSpec) -> list[JobDefinition]:
    """Each version of a job, oldest first (the demo job is runyard's own, unchanged)."""
    if spec.name == DEMO_JOB_NAME:
        return [demo_job()]
    return [
        JobDefinition(
            name=spec.name,
            command=("sh", "-c", f"echo '::progress 50 {spec.name} v{v}'; echo '::result {{}}'"),
            max_attempts=3 if spec.name == "sync-crm" else 1,
        )
        for v in range(1, spec.versions + 1)
    ]


async def _prepare_store(url: str) -> tuple[dict[str, str], dict[str, str], str]:
    """Jobs with their versions, and one key per environment, through runyard's stores."""
    db = Database(normalise_url(url))
    try:
        jobs = JobStore(db)
        for spec in JOBS:
            for definition in _job_definitions(spec):
                await jobs.put(definition)
        keys = KeyStore(db)
        env_ids: dict[str, str] = {}
        key_ids: dict[str, str] = {}
        dev_secret = ""
        for env in ENVIRONMENTS:
            key, secret = await keys.create_key(env)
            env_ids[env], key_ids[env] = key.environment.id, key.id
            if env == "dev":
                dev_secret = secret
        return env_ids, key_ids, dev_secret
    finally:
        await db.close()


def _secondary_indexes(conn: sa.Connection, kind: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the runs and run_tags indexes that no constraint needs."""
    if kind == "sqlite":
        rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('runs', 'run_tags') AND sql IS NOT NULL").all()
    else:
        rows = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('runs', 'run_tags') AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        ).all()
    return [(r[0], r[1]) for r in rows]


def _load(engine: sa.Engine, kind: str, generator: RunGenerator, chunk: int) -> tuple[int, int]:
    runs_sql = f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES ({', '.join('?' * len(RUN_COLUMNS))})"
    tags_sql = f"INSERT INTO run_tags ({', '.join(TAG_COLUMNS)}) VALUES (?, ?, ?, ?)"
    n_runs = n_tags = 0
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw is not None
        if kind == "sqlite":
            raw.execute("PRAGMA synchronous=OFF")  # a benchmark store: a crash while seeding just means seeding again
            for runs, tags in generator.chunks(chunk):
                raw.executemany(runs_sql, runs)
                raw.executemany(tags_sql, tags)
                n_runs, n_tags = n_runs + len(runs), n_tags + len(tags)
            raw.commit()
        else:
            # run_tags references runs, so its COPY follows the runs' one on this connection (one COPY at
            # a time); its rows wait in a temporary file, not in memory: at 10,000,000 runs they are
            # some 10,000,000 tuples, gigabytes as Python objects. Every chunk is streamed as made.
            with raw.cursor() as cur, tempfile.TemporaryFile() as spool:
                # The runs' triggers (counts, ready notifications) off while loading: the counts are made
                # once from the loaded runs afterwards (RECOUNT), not a trigger call per row.
                cur.execute("ALTER TABLE runs DISABLE TRIGGER USER")
                with cur.copy(f"COPY runs ({', '.join(RUN_COLUMNS)}) FROM STDIN") as copy:
                    for runs, tags in generator.chunks(chunk):
                        for row in runs:
                            copy.write_row(row)
                        spool.write("".join("\t".join(map(_copy_text, tag)) + "\n" for tag in tags).encode())
                        n_runs, n_tags = n_runs + len(runs), n_tags + len(tags)
                spool.seek(0)
                with cur.copy(f"COPY run_tags ({', '.join(TAG_COLUMNS)}) FROM STDIN") as copy:
                    while block := spool.read(1 << 20):
                        copy.write(block)
                cur.execute("ALTER TABLE runs ENABLE TRIGGER USER")
                for statement in RECOUNT:
                    cur.execute(statement)
            raw.commit()
    return n_runs, n_tags


def _copy_text(value: Any) -> str:
    """One field in COPY's text format (ids, tags and times hold no tab, newline or backslash; escaped anyway)."""
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def seed(url: str, n: int, *, seed: int = 42, days: float = 30.0, end_us: int | None = None, chunk: int = 5_000, samples: int = 1_000) -> SeedInfo:
    """Migrate a fresh store at `url` and fill it with `n` runs; returns what the benchmark needs to drive it."""
    import time

    urls = normalise_url(url)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    migrate(urls)
    env_ids, key_ids, dev_secret = asyncio.run(_prepare_store(url))
    timings["schema_jobs_keys"] = time.perf_counter() - t0

    engine = sa.create_engine(urls.sync)
    try:
        with engine.begin() as conn:
            indexes = _secondary_indexes(conn, urls.kind)
            for name, _ in indexes:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
        t0 = time.perf_counter()
        generator = RunGenerator(n, end_us=end_us or now_us(), days=days, seed=seed, env_ids=env_ids, key_ids=key_ids)
        n_runs, n_tags = _load(engine, urls.kind, generator, chunk)
        timings["load"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        with engine.begin() as conn:
            if urls.kind == "postgresql":
                conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            for _, ddl in indexes:
                conn.exec_driver_sql(ddl)
            # The runs' names must go on from where the seeded ones stop.
            for job_name, last in generator.counters.items():
                conn.execute(sa.text("DELETE FROM job_counters WHERE name = :n"), {"n": job_name})
                if last:
                    conn.execute(sa.text("INSERT INTO job_counters (name, last_number) VALUES (:n, :l)"), {"n": job_name, "l": last})
        timings["indexes"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        asyncio.run(_fold_counts(url))  # as a running server keeps them: folded
        timings["fold_counts"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        if urls.kind == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE runs")
                conn.exec_driver_sql("VACUUM ANALYZE run_tags")
                # The fold just deleted a delta per run: until a vacuum, every read of the counts (list
                # totals, /stats, /metrics) scans those N dead rows (45 ms at 1,000,000). A running
                # server's folds leave at most autovacuum's last minute of deltas, so vacuum as it would.
                conn.exec_driver_sql("VACUUM ANALYZE run_count_deltas")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        timings["analyze"] = time.perf_counter() - t0

        # The load's pages written out now, not by a checkpoint spread over the next minutes while the
        # figures are taken (10,000,000 runs and their indexes are gigabytes of dirty pages).
        t0 = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CHECKPOINT" if urls.kind == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")
        timings["checkpoint"] = time.perf_counter() - t0

        with engine.connect() as conn:
            counts = dict(conn.execute(sa.text("SELECT state, count(*) FROM runs GROUP BY state")).all())
            top_session = conn.execute(
                sa.text("SELECT session_id FROM runs WHERE session_id IS NOT NULL GROUP BY session_id ORDER BY count(*) DESC, session_id LIMIT 1")
            ).scalar()
            top_job = conn.execute(sa.text("SELECT job_name FROM runs GROUP BY job_name ORDER BY count(*) DESC, job_name LIMIT 1")).scalar()
            sample_ids = _spread_ids(conn, max(1, n_runs // samples), random.Random(seed))
    finally:
        engine.dispose()
    random.Random(seed).shuffle(sample_ids)
    return SeedInfo(
        url=url,
        runs=n_runs,
        run_tags=n_tags,
        dev_secret=dev_secret,
        dev_env_id=env_ids["dev"],
        sample_ids=sample_ids,
        top_session=top_session or "",
        top_job=top_job or JOBS[0].name,
        counts_by_state={str(k): int(v) for k, v in counts.items()},
        seconds=timings,
    )


async def _fold_counts(url: str) -> None:
    db = open_database(url, run_migrations=False)
    try:
        await RunCounts(db).fold()
    finally:
        await db.close()


def _spread_ids(conn: sa.Connection, step: int, rng: random.Random) -> list[str]:
    """Existing ids spread over the whole table: every step-th id of the primary key, from a random start."""
    offset = rng.randrange(step)
    # Streamed: a client-side cursor would hold every id in memory first (10,000,000 strings).
    rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(sa.text("SELECT id FROM runs ORDER BY id")).scalars()
    return [run_id for i, run_id in enumerate(rows) if i % step == offset]
