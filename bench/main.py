"""The benchmark's command line and its run: seed, start the servers, drive each case, report.

`python scripts/bench [--runs N[,N2...]] [--db sqlite|postgresql|both] [--duration S] [--only CASE,...] [--no-peer] [--out DIR]` (--help lists every option)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from bench import dispatch, execution, loadgen, report, servers, streams
from bench import peer as peer_mod
from bench import plans as plans_mod
from bench.seed import SeedInfo, seed
from bench.stores import make_store

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("RUNYARD_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEEP_PAGE = 2000  # native deep page (page_size 20): rows 39,981-40,000 by OFFSET
CURSOR_DEPTH = 10_000  # Trigger.dev cursor page: the page after the 10,000th newest run, 500 pages of 20 deep


def deep_page(runs: int) -> int:
    """Page 2000 of 20, or for a small store a page 80% of the way down (a page past the end would read nothing)."""
    return max(1, min(DEEP_PAGE, runs * 4 // 5 // 20))


def cursor_depth(env_runs: int) -> int:
    """The 10,000th newest run, or for a small store the one half-way down the environment's list."""
    return max(1, min(CURSOR_DEPTH, env_runs // 2))


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    servers: tuple[str, ...]  # which of runyard / floor / peer answer it
    requests: list[dict[str, Any]]  # the load generator's pool: {method, path, headers, body}


def cases(info: SeedInfo) -> list[Case]:
    auth = {"Authorization": f"Bearer {info.dev_secret}"}
    status_pool = [{"method": "GET", "path": f"/api/v1/runs/{run_id}"} for run_id in info.sample_ids]
    session = quote(info.top_session)
    cursor = quote(info.deep_cursor)
    page = deep_page(info.runs)
    depth = info.deep_cursor_depth
    all3 = ("runyard", "floor", "peer")
    two = ("runyard", "floor")

    def get(path: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [{"method": "GET", "path": path, "headers": headers or {}}]

    return [
        Case("status", "native status by id (random existing ids)", all3, status_pool),
        Case("list_status", "native list, status=failed, page 1 of 20", all3, get("/api/v1/runs?status=failed&page=1&page_size=20")),
        Case(
            "list_status_session",
            f"native list, status=succeeded & session_id={info.top_session}, page 1 of 20",
            all3,
            get(f"/api/v1/runs?status=succeeded&session_id={session}&page=1&page_size=20"),
        ),
        Case("list_deep", f"native list, no filter, page {page:,} of 20 (OFFSET {(page - 1) * 20:,})", all3, get(f"/api/v1/runs?page={page}&page_size=20")),
        Case("trigger_first", "Trigger.dev list (dev key), first page of 20", two, get("/trigger/api/v1/runs?page%5Bsize%5D=20", auth)),
        Case(
            "trigger_deep",
            f"Trigger.dev list, page of 20 after the {depth:,}th newest dev run (a cursor {depth // 20:,} pages deep)",
            two,
            get(f"/trigger/api/v1/runs?page%5Bsize%5D=20&page%5Bafter%5D={cursor}", auth),
        ),
        Case(
            "tf_start",
            f"TrueFoundry list of {info.top_job}, sortBy=startTime, limit 20",
            two,
            get(f"/api/svc/v1/jobs/{info.top_job}/runs?sortBy=startTime&limit=20", auth),
        ),
        Case(
            "tf_duration",
            f"TrueFoundry list of {info.top_job}, sortBy=duration, limit 20",
            two,
            get(f"/api/svc/v1/jobs/{info.top_job}/runs?sortBy=duration&limit=20", auth),
        ),
        # A Prometheus scrape: runyard only (the floor and the peer have no /metrics). What it reads
        # is the counts by (environment, job, state), so its time must not grow with the runs.
        Case("metrics", "GET /metrics (a Prometheus scrape: runs by environment, job and state from the counts)", ("runyard",), get("/metrics")),
        # Last: it adds runs, which every later read would see.
        Case("submit", 'submit POST /api/v1/runs {"job": "demo"}', two, [{"method": "POST", "path": "/api/v1/runs", "body": {"job": "demo"}}]),
    ]


# --- databases ------------------------------------------------------------------------------


def pg_unavailable(pg_admin: str) -> str | None:
    try:
        engine = sa.create_engine(sa.engine.make_url(pg_admin).set(drivername="postgresql+psycopg"))
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
    except Exception as exc:  # any failure to connect: no PostgreSQL section
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def deep_cursor(url: str, env_id: str) -> tuple[str, int]:
    """(`<created_at>_<run id>` of the cursor_depth()-th newest run of the environment, that depth), read from the database.

    The same cursor a client walking 500 pages of 20 would hold, without walking them.
    """
    from runyard.store.db import normalise_url

    engine = sa.create_engine(normalise_url(url).sync)
    try:
        with engine.connect() as conn:
            env_runs = conn.execute(sa.text("SELECT count(*) FROM runs WHERE env_id = :env"), {"env": env_id}).scalar_one()
            depth = cursor_depth(env_runs)
            row = conn.execute(
                sa.text("SELECT created_at, id FROM runs WHERE env_id = :env ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :off"),
                {"env": env_id, "off": depth - 1},
            ).first()
    finally:
        engine.dispose()
    return (f"{row[0]}_{row[1]}" if row else "0_run_00000000000000000000000000"), depth


def runs_for_peer(url: str) -> Iterator[dict[str, Any]]:
    """The store's runs with the columns the peer's documents need, streamed."""
    from runyard.store.db import normalise_url
    from runyard.store.schema import runs

    engine = sa.create_engine(normalise_url(url).sync)
    columns = [
        runs.c[n]
        for n in (
            "id",
            "job_name",
            "state",
            "session_id",
            "idempotency_key",
            "input",
            "created_at",
            "started_at",
            "completed_at",
            "progress_percentage",
            "progress_step",
            "result",
            "error",
        )
    ]
    try:
        with engine.connect() as conn:
            for row in conn.execution_options(stream_results=True, yield_per=5000).execute(sa.select(*columns)):
                yield dict(row._mapping)
    finally:
        engine.dispose()


# --- driving ----------------------------------------------------------------------------------


def drive(server: servers.Server, case: Case, concurrency: int, args: argparse.Namespace) -> dict[str, Any]:
    """One load generator process against one server for one case; waits for the server to go idle after."""
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "concurrency": concurrency,
        "duration": args.duration,
        "requests": args.requests,
        "warmup": args.warmup,
        "timeout": max(30.0, args.duration * 2),
        "requests_pool": case.requests,
    }
    result = loadgen.spawn(spec, timeout=args.duration + args.warmup + 120)
    if "error" in result:
        return result
    result["idle_wait_s"] = round(server.wait_idle(), 2)
    return result


DB_IDLE_TIMEOUT_S = 120.0


def wait_db_idle(url: str) -> float:
    """Wait until PostgreSQL runs no statement on the benchmark's database but this look (at most
    DB_IDLE_TIMEOUT_S); the seconds waited. A load generator's window ends when its time is up, but
    the statements its last requests started run on: on 10,000,000 runs the floor's c=32 windows
    left seconds of work, which the next window then measured as well."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1), poolclass=sa.pool.NullPool)
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            while time.perf_counter() - started < DB_IDLE_TIMEOUT_S:
                busy = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
                ).scalar()
                if not busy:
                    break
                time.sleep(0.05)
    finally:
        engine.dispose()
    return round(time.perf_counter() - started, 2)


def preflight(srv: servers.Server, case: Case) -> dict[str, Any]:
    """One request of the case, so a broken case shows its answer instead of a silent zero; lists report their totals."""
    item = case.requests[0]
    response = httpx.request(item["method"], srv.url + item["path"], headers=item.get("headers"), json=item.get("body"), timeout=300)
    check: dict[str, Any] = {"status": response.status_code}
    try:
        body = response.json()
    except ValueError:
        return check | {"body": response.text[:200]}
    if response.status_code >= 400:
        check["body"] = str(body)[:300]
    elif isinstance(body, dict):
        if "total" in body:
            check["total"] = body["total"]
        if isinstance(body.get("pagination"), dict) and "total" in body["pagination"]:
            check["total"] = body["pagination"]["total"]
        items = body.get("jobs", body.get("data"))
        if isinstance(items, list):
            check["items"] = len(items)
            if items and isinstance(items[0], dict):
                check["first"] = items[0].get("job_id") or items[0].get("id")
    return check


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Cases read at every size of `--runs` (the lists and status by id); submit adds runs and is read at the first only.
READ_CASES = ("status", "list_status", "list_status_session", "list_deep", "trigger_first", "trigger_deep", "tf_start", "tf_duration", "metrics")
ALL_CASES = (*READ_CASES, "submit")  # every key cases() makes
# Cases measured again on `runyard serve --processes N` for each N > 1 of `--processes`.
PROCESS_CASES = ("status", "submit")
# The worker-side cases, each on a fresh empty store of its own (bench/dispatch.py, execution.py, streams.py).
WORKLOADS = ("dispatch", "execution", "streams")


def selected(args: argparse.Namespace, key: str) -> bool:
    return not args.only or key in args.only


def process_counts(args: argparse.Namespace, notes: list[str]) -> list[int]:
    """The `--processes` counts above 1 to measure (none when no case measured on them is selected)."""
    wanted = sorted({n for n in args.processes if n > 1})
    if not wanted or not any(selected(args, key) for key in PROCESS_CASES):
        return []
    return wanted


def run_section(kind: str, runs: int, args: argparse.Namespace, work: Path, peer_state: dict[str, Any], *, first: bool) -> dict[str, Any]:
    """The HTTP cases on a store seeded with `runs` runs: every case at the first size, the reads at the others."""
    section: dict[str, Any] = {"db": kind, "runs": runs, "servers": {}, "cases": [], "checks": {}}
    store = make_store(kind, work, args.pg_url)
    started: list[servers.Server] = []
    try:
        log(f"[{kind}] seeding {runs:,} runs ...")
        t0 = time.perf_counter()
        info = seed(store.url, runs, seed=args.seed, end_us=args.end_us)
        info.deep_cursor, info.deep_cursor_depth = deep_cursor(store.url, info.dev_env_id)
        section["seed"] = {
            "runs": info.runs,
            "run_tags": info.run_tags,
            "seconds": round(time.perf_counter() - t0, 1),
            "phases": {k: round(v, 2) for k, v in info.seconds.items()},
            "states": info.counts_by_state,
        }
        log(f"[{kind}] seeded in {section['seed']['seconds']} s ({section['seed']['phases']})")
        section["plans"] = plans_mod.plans(store.url, info.dev_env_id)
        sorted_steps = [key for key, plan in section["plans"].items() if plans_mod.uses_sort_step(kind, plan)]
        log(f"[{kind}] TrueFoundry sort plans: " + ("every one reads an index" if not sorted_steps else f"a sort step in {', '.join(sorted_steps)}"))

        # The peer is seeded once, from the first store at the first size, and measured at that size only.
        if first and peer_state.get("python") and not peer_state.get("db"):
            log(f"[peer] seeding its SQLite store with the same {info.runs:,} runs ...")
            t0 = time.perf_counter()
            path = work / "praisonai-jobs.db"
            count = peer_mod.seed(peer_state["python"], path, runs_for_peer(store.url))
            peer_state.update(db=path, seed={"runs": count, "seconds": round(time.perf_counter() - t0, 1)})
            log(f"[peer] seeded in {peer_state['seed']['seconds']} s")

        port = servers.free_port()
        started.append(servers.start("runyard", servers.runyard_argv(port, store.url), port, work / f"runyard-{kind}.log", cwd=ROOT))
        port = servers.free_port()
        started.append(
            servers.start(
                "floor", [sys.executable, "-m", "bench.floor", "--database-url", store.url, "--port", str(port)], port, work / f"floor-{kind}.log", cwd=ROOT
            )
        )
        if first and peer_state.get("db"):
            port = servers.free_port()
            try:
                started.append(servers.start("peer", peer_mod.command(peer_state["python"], port, peer_state["db"]), port, work / f"peer-{kind}.log", cwd=work))
            except RuntimeError as exc:
                peer_state["error"] = str(exc)
                log(f"[peer] not measured: {exc}")
        multi: list[str] = []
        for n in args.process_counts if first else []:
            port = servers.free_port()
            name = f"runyard_p{n}"
            try:
                started.append(servers.start(name, servers.runyard_argv(port, store.url, processes=n), port, work / f"{name}-{kind}.log", cwd=ROOT))
                multi.append(name)
            except RuntimeError as exc:  # the option is new: a server that will not start loses its rows, not the section
                section.setdefault("notes", []).append(f"runyard --processes {n} not measured: {str(exc)[:500]}")
                log(f"[{kind}] {section['notes'][-1]}")
        section["processes"] = [1] + [int(name.rsplit("p", 1)[1]) for name in multi]
        by_name = {s.name: s for s in started}

        chosen = [c for c in cases(info) if selected(args, c.key) and (first or c.key in READ_CASES)]
        for case in chosen:
            section["checks"][case.key] = {name: preflight(by_name[name], case) for name in case.servers if name in by_name}
        for case in chosen:
            names = case.servers + (tuple(multi) if case.key in PROCESS_CASES else ())
            for concurrency in args.concurrency:
                row: dict[str, Any] = {"case": case.key, "title": case.title, "concurrency": concurrency}
                for name in names:  # interleaved: the servers one after the other, under the same noise
                    if name not in by_name:
                        continue
                    row[name] = drive(by_name[name], case, concurrency, args)
                    r = row[name]
                    if kind == "postgresql":
                        r["db_idle_wait_s"] = wait_db_idle(store.url)
                    log(
                        f"[{kind} {runs:,}] {case.key:<20} c={concurrency:<3} {name:<10} "
                        + (
                            r["error"]
                            if "error" in r
                            else f"{r['rps']:>9.1f} rps  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  non-2xx {r['non_2xx']} errors {r['errors']}"
                        )
                    )
                section["cases"].append(row)
        for srv in started:
            section["servers"][srv.name] = {"memory_kib": srv.memory()}
    finally:
        for srv in started:
            srv.stop()
        if not args.keep:
            store.cleanup()
    return section


def run_workloads(kind: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The worker-side cases for one store kind, each on a fresh empty store; one failing keeps the others' figures."""
    out: dict[str, Any] = {"db": kind}
    for key in WORKLOADS:
        if not selected(args, key):
            continue
        store = make_store(kind, work, args.pg_url)
        log(f"[{kind}] {key} ...")
        t0 = time.perf_counter()
        try:
            if key == "dispatch":
                out[key] = dispatch.measure(kind, store.url, work, runs=args.dispatch_runs, workers=args.dispatch_workers, seed=args.seed)
            elif key == "execution":
                out[key] = execution.measure(kind, store.url, work, runs=args.execution_runs, slot_counts=args.execution_slots)
            else:
                out[key] = streams.measure(
                    kind, store.url, work, streams=args.streams, window=args.idle_window, health_requests=args.health_requests, pg_admin=args.pg_url
                )
        except Exception as exc:  # a case that cannot finish says why, and the next one still runs
            out[key] = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            if not args.keep:
                store.cleanup()
        out[key]["seconds"] = round(time.perf_counter() - t0, 1)
        log(f"[{kind}] {key}: {report.workload_line(key, out[key])}")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description="Benchmark runyard against a bare-Starlette floor and PraisonAI's jobs server.")
    parser.add_argument(
        "--runs",
        type=_counts,
        default=[100_000],
        help="runs seeded into each store (default 100,000); two or more sizes, comma-separated (100000,10000000), measure the reads at each",
    )
    parser.add_argument(
        "--sqlite-max-runs",
        type=int,
        default=1_000_000,
        help="SQLite is seeded with at most this many runs (default 1,000,000): a larger --runs size is measured there at this size",
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both", help="stores to benchmark (default both)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per case, server and concurrency (default 5)")
    parser.add_argument("--requests", type=int, default=20_000, help="at most this many answers per measurement (default 20,000)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of unmeasured load before each measurement (default 1)")
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 32], help="comma-separated (default 1,32)")
    parser.add_argument("--no-peer", action="store_true", help="skip PraisonAI's jobs server")
    parser.add_argument("--only", type=lambda s: set(s.split(",")), default=None, help="comma-separated case keys (default all)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="results folder (default bench-results/)")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="a PostgreSQL database to create the benchmark's databases from")
    parser.add_argument("--seed", type=int, default=42, help="random seed of the data")
    parser.add_argument("--keep", action="store_true", help="keep the seeded databases (printed at the end)")
    parser.add_argument(
        "--processes",
        type=_counts,
        default=[1, 2],
        help="runyard serve --processes counts for the status and submit cases (default 1,2; 1 is the plain server)",
    )
    parser.add_argument("--dispatch-runs", type=int, default=200, help="runs submitted one at a time in the dispatch case (default 200)")
    parser.add_argument("--dispatch-workers", type=int, default=4, help="embedded worker slots in the dispatch case (default 4)")
    parser.add_argument(
        "--execution-runs",
        type=int,
        default=5000,
        help="runs queued for each worker in the execution case (default 5,000: a drain of 500 took about a second, too short to steady)",
    )
    parser.add_argument("--execution-slots", type=_counts, default=[1, 4], help="worker --concurrency values in the execution case (default 1,4)")
    parser.add_argument("--streams", type=int, default=3_000, help="streams held open in the streams case (default 3,000)")
    parser.add_argument("--idle-window", type=float, default=5.0, help="seconds of the streams case's CPU and transactions window (default 5)")
    parser.add_argument("--health-requests", type=int, default=200, help="GET /health answers timed in the streams case (default 200)")
    args = parser.parse_args(argv)
    args.runs = sorted(set(args.runs))
    unknown = (args.only or set()) - {c for c in ALL_CASES} - set(WORKLOADS)
    if unknown:
        parser.error(f"--only: unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join((*ALL_CASES, *WORKLOADS))}")
    return args


def sizes_for(kind: str, args: argparse.Namespace, notes: list[str]) -> list[int]:
    """The --runs sizes a store is seeded at: SQLite's capped at --sqlite-max-runs, so that one command
    measures PostgreSQL at 10,000,000 runs and the embedded store at a size it seeds in minutes."""
    if kind != "sqlite":
        return list(args.runs)
    capped = sorted({min(runs, args.sqlite_max_runs) for runs in args.runs})
    if capped != list(args.runs):
        notes.append(f"SQLite measured at {', '.join(f'{n:,}' for n in capped)} runs (--sqlite-max-runs {args.sqlite_max_runs:,})")
    return capped


def _counts(text: str) -> list[int]:
    """ "100000,1000000" -> [100000, 1000000] (underscores allowed: 10_000_000)."""
    return [int(x) for x in text.split(",") if x.strip()]


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True, cwd=ROOT).stdout.strip())
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "commit": commit + ("-dirty" if dirty else ""),
        "load_average_at_start": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.end_us = time.time_ns() // 1000  # one "now" for every store, so they hold the same runs
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "settings": {k: (sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "sections": [],
        "workloads": [],
        "notes": [],
    }
    if "postgresql" in kinds:
        reason = pg_unavailable(args.pg_url)
        if reason:
            kinds.remove("postgresql")
            results["notes"].append(f"PostgreSQL skipped: no server answers at {args.pg_url} ({reason})")
            log(results["notes"][-1])
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="runyard-bench-"))
    peer_state: dict[str, Any] = {}
    http_cases = any(selected(args, key) for key in ALL_CASES)
    args.process_counts = process_counts(args, results["notes"]) if http_cases else []
    if args.no_peer or not http_cases:
        args.no_peer = True
        results["peer"] = {"status": "skipped (--no-peer)" if http_cases else "skipped (no HTTP case selected)"}
    else:
        try:
            log(f"[peer] preparing praisonai[api]=={peer_mod.PRAISONAI_VERSION} in {peer_mod.cache_root()} ...")
            peer_state["python"] = peer_mod.ensure_venv(args.out / "peer-install.log")
        except peer_mod.PeerUnavailable as exc:
            peer_state["error"] = str(exc)
            log(f"[peer] not measured: {exc}")
    try:
        for kind in kinds:
            for i, runs in enumerate(sizes_for(kind, args, results["notes"]) if http_cases else []):
                try:
                    results["sections"].append(run_section(kind, runs, args, work, peer_state, first=i == 0))
                except Exception as exc:  # one store failing must not lose the other's figures
                    results["sections"].append({"db": kind, "runs": runs, "error": f"{type(exc).__name__}: {exc}", "cases": []})
                    log(f"[{kind}] failed: {exc}")
            if any(selected(args, key) for key in WORKLOADS):
                results["workloads"].append(run_workloads(kind, args, work))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"kept: {work}")
    if not args.no_peer:
        results["peer"] = {
            "status": "measured" if peer_state.get("db") and "error" not in peer_state else f"not measured: {peer_state.get('error', 'unknown')}",
            "version": peer_mod.PRAISONAI_VERSION,
            "seed": peer_state.get("seed"),
        }
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    markdown = report.markdown(results)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown)
    print(markdown)
    log(f"written: {args.out / 'results.md'}, {args.out / 'results.json'}")
    return 0
