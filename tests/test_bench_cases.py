"""The benchmark's worker-side cases, sizes and processes option, small (the benchmark itself: `python scripts/bench`).

The fast tests check the pieces that decide what is measured and how it is reported; the slow ones
run each case for real on a few runs, against real `runyard serve` and `runyard worker` processes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bench import dispatch, execution, main, readme, report, servers, streams
from bench.seed import SeedInfo, _copy_text, seed
from runyard.store.db import normalise_url
from tests.support.databases import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent
X = "\u00d7"  # the report's multiplication sign


def _info() -> SeedInfo:
    return SeedInfo(
        url="sqlite://",
        runs=1000,
        run_tags=0,
        dev_secret="tr_dev_x",
        dev_env_id="env_1",
        sample_ids=["run_1"],
        top_session="session-0001",
        top_job="send-email",
    )


def test_every_case_is_known_to_the_options_and_the_reads_are_all_but_submit() -> None:
    keys = [case.key for case in main.cases(_info())]
    assert tuple(keys) == main.ALL_CASES
    assert set(main.READ_CASES) == set(keys) - {"submit"}


def test_options_take_several_sizes_and_refuse_unknown_cases() -> None:
    args = main.parse_args(["--runs", "1000000,100_000", "--only", "dispatch,status", "--processes", "1,4", "--execution-slots", "2"])
    assert args.runs == [100_000, 1_000_000]  # smallest first: the growth is read from it
    assert args.only == {"dispatch", "status"} and args.processes == [1, 4] and args.execution_slots == [2]
    defaults = main.parse_args([])
    assert defaults.runs == [100_000] and defaults.only is None and defaults.processes == [1, 2]
    with pytest.raises(SystemExit):
        main.parse_args(["--only", "dispatch,nonsense"])


def test_the_serve_command_always_names_its_processes() -> None:
    # runyard's default on PostgreSQL is one process per core: a one-process figure must say so.
    argv = servers.runyard_argv(8000, "sqlite:///x.db")
    assert argv[argv.index("--processes") + 1] == "1"
    argv = servers.runyard_argv(8000, "sqlite:///x.db", workers=4, jobs=Path("jobs.toml"), processes=3)
    assert argv[argv.index("--processes") + 1] == "3" and argv[argv.index("--workers") + 1] == "4" and argv[argv.index("--jobs") + 1] == "jobs.toml"


def test_processes_above_one_are_measured_only_with_a_case_for_them() -> None:
    assert main.process_counts(main.parse_args(["--processes", "1,2,4"]), []) == [2, 4]
    assert main.process_counts(main.parse_args(["--processes", "1,2", "--only", "list_deep"]), []) == []  # no case to measure on them


def test_copy_text_escapes_what_copy_would_misread() -> None:
    assert _copy_text(None) == "\\N"
    assert _copy_text(12) == "12"
    assert _copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"


def test_the_spawn_floor_spawns_true_as_many_times_as_asked() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.spawnfloor", "--runs", "20", "--concurrency", "4"], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True
    )
    out = json.loads(done.stdout)
    assert out["runs"] == 20 and out["concurrency"] == 4 and out["runs_per_s"] > 0


def _row(case: str, concurrency: int, p99: float, **others: dict[str, Any]) -> dict[str, Any]:
    figure = {"rps": 100.0, "p50_ms": p99 / 2, "p99_ms": p99, "non_2xx": 0, "errors": 0}
    return {"case": case, "title": case, "concurrency": concurrency, "runyard": figure, "floor": figure | {"rps": 200.0}, **others}


def _ms(p50: float, p99: float) -> dict[str, Any]:
    return {"n": 10, "p50_ms": p50, "p90_ms": p99, "p99_ms": p99, "max_ms": p99}


def _one_run() -> dict[str, Any]:
    """A run's results.json on SQLite at two sizes, with the worker-side cases (the figures made up)."""
    figure = {"rps": 300.0, "p50_ms": 1.0, "p99_ms": 2.0, "non_2xx": 0, "errors": 0}
    small = {"db": "sqlite", "runs": 100_000, "seed": {}, "servers": {}, "checks": {}, "processes": [1, 2]}
    small["cases"] = [_row("list_status", 1, 8.0), _row("status", 1, 1.0, runyard_p2=figure)]
    large = {"db": "sqlite", "runs": 1_000_000, "seed": {}, "servers": {}, "checks": {}, "cases": [_row("list_status", 1, 16.0), _row("status", 1, 1.2)]}
    idle = {"window_s": 5.0, "cpu_percent": 1.0, "memory_kib": {"VmRSS": 102_400, "VmHWM": 102_400}, "tps": 4.0, "health": {"p50_ms": 1.0, "p99_ms": 2.0}}
    workloads = {
        "db": "sqlite",
        "dispatch": {
            "runs": 10,
            "workers": 4,
            "succeeded": 10,
            "runyard": _ms(100.0, 200.0),
            "floor": _ms(0.1, 0.2),
            "submit_round_trip": _ms(2, 5),
            "seconds": 3,
        },
        "execution": {
            "runs": 50,
            "rows": [
                {
                    "slots": 1,
                    "runyard": {"runs": 50, "succeeded": 50, "seconds": 2.0, "runs_per_s": 25.0, "queued_per_s": 300.0},
                    "embedded": {"runs": 50, "succeeded": 49, "seconds": 0.1, "runs_per_s": 500.0, "queued_per_s": 250.0},
                    "floor": {"runs_per_s": 500.0},
                    "ratio": 0.05,
                    "embedded_ratio": 1.0,
                }
            ],
            "seconds": 9,
        },
        "streams": {
            "streams": 3000,
            "window_s": 5.0,
            "health_requests": 200,
            "opening": {"opened": 3000, "failed": 0, "failures": {}, "seconds": 9.0},
            "holding": {"held": 3000, "ended_early": 0, "events": 3000},
            "no_streams": idle,
            "with_streams": idle | {"cpu_percent": 12.5, "tps": 24.0},
            "seconds": 40,
        },
    }
    results = {
        "started": "now",
        "machine": {"commit": "abc", "cpus": 2, "cpu": "x", "python": "3.11", "sqlite": "3.40", "load_average_at_start": [1.0, 1.0, 1.0]},
        "settings": {"runs": [100_000, 1_000_000], "db": "sqlite", "duration": 5.0, "requests": 20_000, "warmup": 1.0},
        "sections": [small, large],
        "workloads": [workloads],
        "notes": [],
    }
    return results


def test_the_report_prints_growth_processes_and_the_worker_side_cases_beside_their_floors() -> None:
    results = _one_run()
    workloads = results["workloads"][0]
    text = report.markdown(results)
    assert "## sqlite, 100,000 runs" in text and "## sqlite, 1,000,000 runs" in text
    assert f"| `list_status` | 1 | 8.0 | 16.0 | {X}2.00 (over) | 8.0 | 16.0 | {X}2.00 |" in text
    assert f"| `status` | 1 | 1.0 | 1.2 | {X}1.20 |" in text
    assert f"| `status` | 1 | 100 | 0.5 | 1.0 | 300 | 1.0 | 2.0 | {X}3.00 |" in text  # 2 processes beside 1
    assert "| runyard, submit to started | 10 | 100.0 | 200.0 | 200.0 | 200.0 |" in text
    assert "| floor, insert + claim | 10 | 0.1 | 0.2 | 0.2 | 0.2 |" in text
    assert f"| 1 | standalone | 25.0 | 500.0 | {X}0.050 | 2.0 | 50 of 50 | 300 |" in text
    assert f"| 1 | embedded | 500.0 | 500.0 | {X}1.000 | 0.1 | 49 of 50 | 250 |" in text
    assert "| no stream (floor) | 1.00 | 2.00 | 1.0 | 100.0 | 100.0 | 4.0 |" in text
    assert "| 3,000 streams | 1.00 | 2.00 | 12.5 | 100.0 | 100.0 | 24.0 |" in text
    assert report.workload_line("streams", workloads["streams"]).startswith("3000 opened, 3000 held")


def test_the_readme_block_checks_each_target_of_issue_17_against_the_run() -> None:
    text = readme.render(_one_run())
    assert f"| status | 1 | 100 | 0.5 / 1.0 | {X}0.50 | — | — | — | — | — |" in text  # PostgreSQL was not measured
    assert f"SQLite status {X}3.00" not in text  # one concurrency measured on 2 processes: no line for it
    assert f"| `list_status` | 1 | 8.0 | 16.0 | {X}2.00 (over) | 8.0 | 16.0 | {X}2.00 |" in text
    assert "| 25.0 / 500.0 (×0.05) | — |" in text
    assert "| execution, 1 slot(s), embedded in `runyard serve`: runyard / spawn floor runs/s | 500.0 / 500.0 (×1.00) | — |" in text
    targets = text.split("Against issue 17's targets")[1]
    assert f"| every list case ≥ 0.6x the floor | no: {X}0.50 to {X}0.50 | — |" in targets
    assert "| submit to running p50 < 10 ms, p99 < 50 ms | no: 100.00 / 200.00 ms | — |" in targets
    # The embedded worker meets it, the standalone one does not: not met.
    executed = "| executed `true` runs/s ≥ 530 (SQLite) / 310 (PostgreSQL), or ≥ 0.5x the spawn floor (1 / 4 slots; standalone, then embedded) |"
    assert f"{executed} no: 25 ({X}0.05) / 500 ({X}1.00) | — |" in targets
    assert "no: 2.000 ms, 100 MiB, 4.0 -> 24.0 transactions/s" in targets  # idle streams that query the database
    assert f"no at 1,000,000: {X}1.20 to {X}2.00; over: list_status c=1 {X}2.00" in targets


def test_a_failed_case_is_reported_as_such() -> None:
    text = report._workloads({"db": "postgresql", "execution": {"error": "TimeoutError: 3 run(s) still unfinished after 70 s", "seconds": 70}})
    assert any("Execution throughput** (took 70 s): not measured: TimeoutError" in line for line in text)


# --- the cases for real, small ---------------------------------------------------------------


@pytest.mark.slow
def test_dispatch_times_runs_started_by_idle_workers_and_the_claim_floor(empty_sqlite_url: str, tmp_path: Path) -> None:
    out = dispatch.measure("sqlite", empty_sqlite_url, tmp_path, runs=5, workers=2, seed=1)
    assert out["runs"] == out["succeeded"] == 5
    assert out["runyard"]["n"] == out["floor"]["n"] == 5
    assert out["floor"]["p50_ms"] > 0 and 0 < out["runyard"]["p50_ms"] <= out["runyard"]["p99_ms"]
    engine = sa.create_engine(normalise_url(empty_sqlite_url).sync)
    with engine.connect() as conn:  # the floor's table is gone
        assert not [name for name in sa.inspect(conn).get_table_names() if name.startswith("bench_dispatch_floor")]
    engine.dispose()


@pytest.mark.slow
def test_execution_counts_every_queued_run_at_each_slot_count_for_each_worker(empty_sqlite_url: str, tmp_path: Path) -> None:
    out = execution.measure("sqlite", empty_sqlite_url, tmp_path, runs=10, slot_counts=[1, 2])
    assert [row["slots"] for row in out["rows"]] == [1, 2]
    for row in out["rows"]:
        for worker, ratio in (("runyard", "ratio"), ("embedded", "embedded_ratio")):
            assert row[worker]["runs"] == row[worker]["succeeded"] == 10  # each drain reads its own batch only
            assert row[worker]["runs_per_s"] > 0 and row[ratio] > 0
        assert row["floor"]["runs_per_s"] > 0


@pytest.mark.slow
def test_streams_stay_open_while_the_server_is_measured_with_and_without_them(empty_pg_url: str, tmp_path: Path) -> None:
    out = streams.measure("postgresql", empty_pg_url, tmp_path, streams=20, window=1.0, health_requests=20, pg_admin=PG_ADMIN_URL)
    assert out["opening"] == out["opening"] | {"opened": 20, "failed": 0}
    assert out["holding"] == out["holding"] | {"held": 20, "ended_early": 0}
    for key in ("no_streams", "with_streams"):
        figures = out[key]
        assert figures["health"]["ok"] == 20 and figures["tps"] is not None and figures["tps"] > 0
        assert figures["memory_kib"]["VmRSS"] > 0 and figures["cpu_percent"] >= 0


@pytest.mark.slow
def test_seeding_postgresql_copies_every_tag_of_every_run(empty_pg_url: str) -> None:
    info = seed(empty_pg_url, 2_000, seed=5)
    engine = sa.create_engine(normalise_url(empty_pg_url).sync)
    with engine.connect() as conn:
        tags = set(conn.execute(sa.text("SELECT run_id, tag, env_id, created_at FROM run_tags")).all())
        from_runs = set(conn.execute(sa.text("SELECT r.id, t.tag, r.env_id, r.created_at FROM runs r, json_array_elements_text(r.tags) AS t(tag)")).all())
    engine.dispose()
    assert len(tags) == info.run_tags > 0
    assert tags == from_runs
