"""Retention under load: how fast a server deletes old finished runs, and what that costs the API.

    .venv/bin/python -m bench.retention --runs 1000000 --db sqlite|postgresql

Seeds a fresh store with bench.seed (runs created over `--days` days up to now, most of them
finished, so most are past a week), prints the plan of one retention batch on it, then measures
native status by id (GET /api/v1/runs/{id} of runs retention keeps, at each `--concurrency`) on
`runyard serve --workers 0` without retention, then restarted with `--retention-days 7` while it
works off the backlog, and once more on that server when nothing is left to delete (the noise
floor of the comparison on a shared machine). The deletion rate is taken from counts of the runs still due,
before and after each measurement (rate under load) and over a quiet pause (rate alone); the
overall figure runs from the server being ready to no run being due.

Retention rests between its batches as long as each batch took (RunService.apply_retention), so
the rate is about half of what the store could delete flat out: the other half of the time is left
to requests and workers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import servers
from bench.seed import JOBS, seed
from bench.stores import make_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("RUNYARD_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAY_US = 86_400 * 1_000_000
SAMPLES = 1_000  # kept runs the status requests pick from


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Due:
    """Counts of the runs retention will delete (finished before the cut-off), per job through the
    retention index, so that a look costs the runs still due and not the table."""

    def __init__(self, url: str, cutoff: int) -> None:
        from runyard.store.db import normalise_url
        from runyard.store.retention import FINISHED
        from runyard.store.schema import runs

        self.engine = sa.create_engine(normalise_url(url).sync)
        where = (runs.c.state.in_(FINISHED), runs.c.completed_at < cutoff)
        self._count = [sa.select(sa.func.count()).select_from(runs).where(runs.c.job_name == job.name, *where) for job in JOBS]
        self._any = [sa.select(runs.c.id).where(runs.c.job_name == job.name, *where).limit(1) for job in JOBS]

    def count(self) -> tuple[float, int]:
        """(when, how many are due), the moment taken halfway through the count."""
        before = time.monotonic()
        with self.engine.connect() as conn:
            n = sum(conn.execute(query).scalar_one() for query in self._count)
        return (before + time.monotonic()) / 2, n

    def none(self) -> bool:
        with self.engine.connect() as conn:
            return all(conn.execute(query).first() is None for query in self._any)

    def close(self) -> None:
        self.engine.dispose()


def kept_sample(url: str, cutoff: int, rng: random.Random) -> list[str]:
    """Ids of runs retention keeps (not finished, or finished well after the cut-off), at random."""
    from runyard.store.db import normalise_url

    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with engine.connect() as conn:
            ids: list[str] = list(
                conn.execute(sa.text("SELECT id FROM runs WHERE completed_at IS NULL OR completed_at > :c"), {"c": cutoff + DAY_US // 24}).scalars()
            )
    finally:
        engine.dispose()
    return rng.sample(ids, min(SAMPLES, len(ids)))


def batch_plan(url: str, cutoff: int) -> str:
    """The plan of one retention batch (EXPLAIN, which deletes nothing) for the busiest job."""
    import asyncio

    from runyard.service import RETENTION_BATCH
    from runyard.store.db import open_database
    from runyard.store.retention import RunRetention

    db = open_database(url, run_migrations=False)

    async def explain() -> str:
        statement = RunRetention(db)._statement(JOBS[0].name, cutoff, None, RETENTION_BATCH)
        sql = str(statement.compile(dialect=db.engine.sync_engine.dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if db.kind == "sqlite" else "EXPLAIN "
        try:
            async with db.engine.connect() as conn:
                return "\n".join(str(row[-1]) for row in (await conn.exec_driver_sql(prefix + sql)).all())
        finally:
            await db.close()

    return asyncio.run(explain())


def fold_counts(url: str) -> None:
    """Fold the seeding's count deltas, as a worker's housekeeping would have (the servers here run none)."""
    import asyncio

    from runyard.store.counts import RunCounts
    from runyard.store.db import open_database

    db = open_database(url, run_migrations=False)

    async def fold() -> None:
        try:
            await RunCounts(db).fold()
        finally:
            await db.close()

    asyncio.run(fold())


def start_server(url: str, work: Path, name: str, *extra: str) -> servers.Server:
    port = servers.free_port()
    argv = [sys.executable, "-m", "runyard", "serve", "--host", "127.0.0.1", "--port", str(port), "--database-url", url, "--workers", "0"]
    return servers.start(name, [*argv, "--log-level", "warning", *extra], port, work / f"{name}.log", cwd=ROOT)


def status_load(server: servers.Server, ids: list[str], concurrency: int, args: argparse.Namespace) -> dict[str, Any]:
    """One closed-loop measurement of native status by id (bench.loadgen in its own process)."""
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "concurrency": concurrency,
        "duration": args.duration,
        "requests": args.requests,
        "warmup": args.warmup,
        "timeout": max(30.0, args.duration * 2),
        "requests_pool": [{"method": "GET", "path": f"/api/v1/runs/{run_id}"} for run_id in ids],
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.loadgen"], input=json.dumps(spec), capture_output=True, text=True, cwd=ROOT, timeout=args.duration + args.warmup + 120
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _brief(r: dict[str, Any]) -> str:
    return f"{r['rps']:>8.1f} rps  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  non-2xx {r['non_2xx']} errors {r['errors']}"


def run(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="runyard-retention-"))
    store = make_store(kind, work, args.pg_url, prefix="retention")
    result: dict[str, Any] = {"db": kind, "runs": args.runs, "days": args.days, "retention_days": args.retention_days, "load_average_at_start": os.getloadavg()}
    started: list[servers.Server] = []
    due: Due | None = None
    try:
        log(f"[{kind}] seeding {args.runs:,} runs over {args.days:g} days ...")
        t0 = time.perf_counter()
        info = seed(store.url, args.runs, seed=args.seed, days=args.days)
        fold_counts(store.url)
        result["seed_seconds"] = round(time.perf_counter() - t0, 1)
        cutoff = time.time_ns() // 1000 - args.retention_days * DAY_US
        due = Due(store.url, cutoff)
        _, result["due"] = due.count()
        ids = kept_sample(store.url, cutoff, random.Random(args.seed))
        log(f"[{kind}] seeded in {result['seed_seconds']} s: {result['due']:,} of {info.runs:,} runs finished more than {args.retention_days} days ago")
        result["plan"] = batch_plan(store.url, cutoff)
        log(f"[{kind}] plan of one batch:\n{result['plan']}")

        server = start_server(store.url, work, f"before-{kind}")
        started.append(server)
        result["before"] = {}
        for c in args.concurrency:
            result["before"][c] = status_load(server, ids, c, args)
            log(f"[{kind}] before retention  c={c:<3} {_brief(result['before'][c])}")
            server.wait_idle()
        server.stop()
        started.remove(server)

        server = start_server(store.url, work, f"during-{kind}", "--retention-days", str(args.retention_days))
        started.append(server)
        ready = time.monotonic()
        result["during"] = {}
        for c in args.concurrency:
            first = due.count()
            measured = status_load(server, ids, c, args)
            last = due.count()
            measured["due_at_start"], measured["due_at_end"] = first[1], last[1]
            measured["deleted_per_s"] = round((first[1] - last[1]) / (last[0] - first[0]), 1)
            result["during"][c] = measured
            log(
                f"[{kind}] during retention  c={c:<3} {_brief(measured)}  | deleting {measured['deleted_per_s']:,.0f} runs/s, "
                f"{last[1]:,} still due" + ("" if last[1] else " (deletion ended within this measurement)")
            )
        first = due.count()
        time.sleep(args.quiet)
        last = due.count()
        result["quiet_deleted_per_s"] = round((first[1] - last[1]) / (last[0] - first[0]), 1) if first[1] else None
        log(f"[{kind}] no load for {args.quiet:g} s: deleting {result['quiet_deleted_per_s'] or 0:,.0f} runs/s")
        deadline = time.monotonic() + args.timeout
        while not due.none():
            if time.monotonic() > deadline:
                raise RuntimeError(f"runs still due {args.timeout:g} s after the server started; see {server.log}")
            time.sleep(0.5)
        done = time.monotonic()
        result["deletion_seconds"] = round(done - ready, 1)
        result["overall_deleted_per_s"] = round(result["due"] / (done - ready), 1)
        log(f"[{kind}] every due run deleted {result['deletion_seconds']} s after the server was ready: {result['overall_deleted_per_s']:,.0f} runs/s overall")
        result["after"] = {}
        for c in args.concurrency:  # the same server with nothing left to delete: the noise floor of the comparison
            result["after"][c] = status_load(server, ids, c, args)
            log(f"[{kind}] after retention   c={c:<3} {_brief(result['after'][c])}")
        result["load_average"] = os.getloadavg()
    finally:
        for srv in started:
            srv.stop()
        if due is not None:
            due.close()
        if not args.keep:
            store.cleanup()
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept: {store.url} (server logs in {work})")
    return result


def summary(result: dict[str, Any]) -> str:
    lines = [
        f"{result['db']}: {result['runs']:,} runs, {result['due']:,} finished more than {result['retention_days']} days ago",
        f"  deletion: {result['overall_deleted_per_s']:,.0f} runs/s overall ({result['due']:,} in {result['deletion_seconds']} s from ready), "
        + ", ".join(f"{r['deleted_per_s']:,.0f} runs/s under c={c}" for c, r in result["during"].items())
        + (f", {result['quiet_deleted_per_s']:,.0f} runs/s without load" if result["quiet_deleted_per_s"] else ""),
    ]
    for c in result["before"]:
        before, during, after = result["before"][c], result["during"][c], result["after"][c]
        lines.append(
            f"  status by id c={c}: p50 {before['p50_ms']} / {during['p50_ms']} / {after['p50_ms']} ms, "
            f"p99 {before['p99_ms']} / {during['p99_ms']} / {after['p99_ms']} ms, "
            f"{before['rps']:,.0f} / {during['rps']:,.0f} / {after['rps']:,.0f} rps (before / during / after retention)"
        )
    lines.append(
        f"  load average {' '.join(f'{x:.2f}' for x in result['load_average_at_start'])} at start, {' '.join(f'{x:.2f}' for x in result['load_average'])} at end"
    )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description="Retention's deletion rate and its cost to status-by-id latency.")
    parser.add_argument("--runs", type=int, default=1_000_000, help="runs seeded (default 1,000,000)")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite", help="the store (default sqlite)")
    parser.add_argument("--days", type=float, default=30.0, help="runs are created over this many days up to now (default 30)")
    parser.add_argument("--retention-days", type=int, default=7, help="the server's --retention-days (default 7)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per concurrency (default 5)")
    parser.add_argument("--requests", type=int, default=20_000, help="at most this many answers per measurement (default 20,000)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load before each measurement (default 2)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 32], help="comma-separated (default 1,32)")
    parser.add_argument("--quiet", type=float, default=3.0, help="seconds without load over which the rate alone is taken (default 3)")
    parser.add_argument("--timeout", type=float, default=3_600.0, help="give up when runs are still due this long after the start (default 3600)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL database to create the benchmark's database from")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database (printed at the end)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args.db, args)
    print(summary(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
