"""results.json -> the figures of README's Benchmarks section: `python -m bench.readme [bench-results/results.json]`.

report.py writes every figure of a run, store by store; README shows one run's figures side by side
(SQLite beside PostgreSQL), the growth, the worker-side cases and issue 17's targets checked against
them. This renders that block from the file a run wrote, so README's table is never copied by hand.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import GROWTH_TARGET, WORKERS, _num, _ratio, growth_table

DBS = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
LIST_CASES = ("list_status", "list_status_session", "list_deep", "trigger_first", "trigger_deep", "tf_start", "tf_duration")
# Issue 17's targets: status and submit at least this multiple of the floor, per store; lists at least 0.6x.
FLOOR_TARGET = {"sqlite": 0.5, "postgresql": 0.35}
LIST_TARGET = 0.6
PEER_TARGET = 2.0
EXECUTION_TARGET = {"sqlite": 530.0, "postgresql": 310.0}  # 10x the runs/s the issue measured before


def _rps_ratio(mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> float | None:
    if not mine or not theirs or not mine.get("rps") or not theirs.get("rps") or "error" in mine or "error" in theirs:
        return None
    return float(mine["rps"]) / float(theirs["rps"])


def _measured(results: dict[str, Any], db: str) -> list[dict[str, Any]]:
    """The store's sections that were measured, smallest size first (as the benchmark runs them)."""
    return [s for s in results["sections"] if s["db"] == db and s.get("cases") and "error" not in s]


def _first(results: dict[str, Any], db: str) -> dict[str, Any] | None:
    sized = _measured(results, db)
    return sized[0] if sized else None


def _rows(section: dict[str, Any] | None) -> dict[tuple[str, int], dict[str, Any]]:
    return {(row["case"], row["concurrency"]): row for row in section["cases"]} if section else {}


def _cells(row: dict[str, Any] | None) -> list[str]:
    r = row.get("runyard") if row else None
    if not r or "error" in r:
        return ["—"] * 4
    rps = _num(r["rps"], 1 if r["rps"] < 100 else 0)
    p = f"{_num(r['p50_ms'], 1)} / {_num(r['p99_ms'], 1 if r['p99_ms'] < 100 else 0)}"
    return [rps, p, _ratio(r, row.get("floor")) if row else "—", _ratio(r, row.get("peer")) if row else "—"]


def side_by_side(results: dict[str, Any]) -> list[str]:
    """Every HTTP case at the first size, SQLite beside PostgreSQL."""
    first = {db: _first(results, db) for db in DBS}
    rows = {db: _rows(first[db]) for db in DBS}
    order = list(dict.fromkeys(key for db in DBS for key in rows[db]))
    titles = {row["case"]: row["title"] for db in DBS if first[db] for row in first[db]["cases"]}  # type: ignore[index]
    lines = [
        "| case | c | SQLite rps | p50 / p99 ms | ×floor | ×peer | PostgreSQL rps | p50 / p99 ms | ×floor | ×peer |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for key in order:
        cells = [titles.get(key[0], key[0]), str(key[1])]
        for db in DBS:
            cells += _cells(rows[db].get(key))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def processes_line(results: dict[str, Any]) -> str:
    parts = []
    for db in DBS:
        rows = _rows(_first(results, db))
        for case in ("status", "submit"):
            ratios = [_rps_ratio(rows.get((case, c), {}).get("runyard_p2"), rows.get((case, c), {}).get("runyard")) for c in (1, 32)]
            if all(r is not None for r in ratios):
                parts.append(f"{NAMES[db]} {case} " + " / ".join(f"×{r:.2f}" for r in ratios))  # type: ignore[str-format]
    if not parts:
        return ""
    return "The same status and submit cases on `runyard serve --processes 2`, as a multiple of one process (c=1 / c=32): " + "; ".join(parts) + "."


def growth(results: dict[str, Any], db: str) -> tuple[list[str], list[tuple[str, int, float]], list[float]]:
    """The growth table of one store, from its first size to its last; the cells over the target and every runyard growth."""
    sized = _measured(results, db)
    if len(sized) < 2:
        return [], [], []
    small, large = sized[0], sized[-1]
    table, over, every = growth_table(small, large)
    heading = f"p99 growth from {small['runs']:,} to {large['runs']:,} runs on {NAMES[db]} (ms; target: at most ×{GROWTH_TARGET}):"
    return [heading, "", *table, ""], over, every


def workers(results: dict[str, Any]) -> list[str]:
    by_db = {w["db"]: w for w in results.get("workloads", [])}
    lines = ["| case | SQLite | PostgreSQL |", "| --- | --: | --: |"]

    def row(label: str, render: Any) -> None:
        cells = []
        for db in DBS:
            try:
                cells.append(render(by_db[db]))
            except (KeyError, TypeError):
                cells.append("—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row(
        "dispatch, submit to started, p50 / p99 (`--workers 4`, idle)",
        lambda w: f"{w['dispatch']['runyard']['p50_ms']:.2f} / {w['dispatch']['runyard']['p99_ms']:.2f} ms",
    )
    row("its floor: INSERT + claim UPDATE, p50 / p99", lambda w: f"{w['dispatch']['floor']['p50_ms']:.2f} / {w['dispatch']['floor']['p99_ms']:.2f} ms")
    slots = [r["slots"] for w in by_db.values() if "rows" in w.get("execution", {}) for r in w["execution"]["rows"]]
    for n in dict.fromkeys(slots):
        for label, figures, ratio_key in WORKERS:

            def execution(w: dict[str, Any], n: int = n, figures: str = figures, ratio_key: str = ratio_key) -> str:
                r = next(x for x in w["execution"]["rows"] if x["slots"] == n)
                return f"{_num(r[figures]['runs_per_s'], 1)} / {_num(r['floor']['runs_per_s'], 1)} (×{r[ratio_key]:.2f})"

            where = "" if label == "standalone" else f", {label} in `runyard serve`"
            # A run from before the embedded worker was measured has no such rows.
            if any(figures in r for w in by_db.values() for r in w.get("execution", {}).get("rows", [])):
                row(f"execution, {n} slot(s){where}: runyard / spawn floor runs/s", execution)

    def health(w: dict[str, Any]) -> str:
        a, b = w["streams"]["no_streams"]["health"], w["streams"]["with_streams"]["health"]
        return f"{a['p50_ms']:.3f} / {a['p99_ms']:.3f} -> {b['p50_ms']:.3f} / {b['p99_ms']:.3f} ms"

    opened = max((w["streams"]["opening"]["opened"] for w in by_db.values() if "opening" in w.get("streams", {})), default=0)
    row(f"/health p50 / p99, no stream -> {opened:,} open idle streams", health)
    row(
        "server CPU %, no stream -> idle streams",
        lambda w: f"{w['streams']['no_streams']['cpu_percent']:.1f} -> {w['streams']['with_streams']['cpu_percent']:.1f}",
    )
    row(
        "server RSS, no stream -> streams",
        lambda w: f"{w['streams']['no_streams']['memory_kib']['VmRSS'] // 1024} -> {w['streams']['with_streams']['memory_kib']['VmRSS'] // 1024} MiB",
    )

    def tps(w: dict[str, Any]) -> str:
        a, b = w["streams"]["no_streams"]["tps"], w["streams"]["with_streams"]["tps"]
        return "—" if a is None or b is None else f"{a:.1f} -> {b:.1f}"

    row("database transactions/s, no stream -> idle streams", tps)
    return lines


def _range(values: list[float]) -> str:
    return f"×{min(values):.2f} to ×{max(values):.2f}" if values else "—"


def _yes(ok: bool) -> str:
    return "yes" if ok else "no"


def targets(results: dict[str, Any]) -> list[str]:
    """Issue 17's targets, each checked against this run's figures."""
    lines = ["| target | SQLite | PostgreSQL |", "| --- | --- | --- |"]
    first = {db: _rows(_first(results, db)) for db in DBS}
    by_db = {w["db"]: w for w in results.get("workloads", [])}

    def floor_cells(case: str) -> list[str]:
        out = []
        for db in DBS:
            ratios = [_rps_ratio(first[db].get((case, c), {}).get("runyard"), first[db].get((case, c), {}).get("floor")) for c in (1, 32)]
            if any(r is None for r in ratios):
                out.append("—")
                continue
            out.append(f"{_yes(all(r >= FLOOR_TARGET[db] for r in ratios))}: " + " / ".join(f"×{r:.2f}" for r in ratios))  # type: ignore[operator,str-format]
        return out

    lines.append("| status by id ≥ 0.5x the floor (SQLite), ≥ 0.35x (PostgreSQL), c=1 / c=32 | " + " | ".join(floor_cells("status")) + " |")
    lines.append("| submit, same | " + " | ".join(floor_cells("submit")) + " |")
    cells = []
    for db in DBS:
        ratios = [r for key, row in first[db].items() if key[0] in LIST_CASES for r in [_rps_ratio(row.get("runyard"), row.get("floor"))] if r is not None]
        cells.append(f"{_yes(bool(ratios) and min(ratios) >= LIST_TARGET)}: {_range(ratios)}" if ratios else "—")
    lines.append("| every list case ≥ 0.6x the floor | " + " | ".join(cells) + " |")
    cells = []
    for db in DBS:
        peer = {key: _rps_ratio(row.get("runyard"), row.get("peer")) for key, row in first[db].items() if row.get("peer")}
        lists = [r for key, r in peer.items() if key[0] != "status" and r is not None]
        status = [peer.get(("status", c)) for c in (1, 32)]
        text = f"lists {_yes(bool(lists) and min(lists) >= PEER_TARGET)} ({_range(lists)})"
        if all(r is not None for r in status):
            text += f"; status {_yes(all(r >= PEER_TARGET for r in status))} (" + " / ".join(f"×{r:.2f}" for r in status) + ")"  # type: ignore[operator,str-format]
        cells.append(text if peer else "—")
    lines.append("| every case ≥ 2x the peer where it answers | " + " | ".join(cells) + " |")
    cells = []
    for db in DBS:
        try:
            d = by_db[db]["dispatch"]["runyard"]
            cells.append(f"{_yes(d['p50_ms'] < 10 and d['p99_ms'] < 50)}: {d['p50_ms']:.2f} / {d['p99_ms']:.2f} ms")
        except KeyError:
            cells.append("—")
    lines.append("| submit to running p50 < 10 ms, p99 < 50 ms | " + " | ".join(cells) + " |")
    cells = []
    for db in DBS:
        try:
            rows = by_db[db]["execution"]["rows"]
        except KeyError:
            cells.append("—")
            continue
        # Every worker counts: the standalone one's figures, and the embedded one's where measured.
        measured = [(r[figures], r[ratio_key]) for _, figures, ratio_key in WORKERS for r in rows if figures in r]
        ok = all(x["runs_per_s"] >= EXECUTION_TARGET[db] or (ratio or 0) >= 0.5 for x, ratio in measured)
        cells.append(f"{_yes(ok)}: " + " / ".join(f"{x['runs_per_s']:.0f} (×{ratio:.2f})" for x, ratio in measured))
    lines.append(
        "| executed `true` runs/s ≥ 530 (SQLite) / 310 (PostgreSQL), or ≥ 0.5x the spawn floor (1 / 4 slots; standalone, then embedded) | "
        + " | ".join(cells)
        + " |"
    )
    cells = []
    for db in DBS:
        try:
            st = by_db[db]["streams"]
            p99 = st["with_streams"]["health"]["p99_ms"]
            rss = st["with_streams"]["memory_kib"]["VmRSS"] / 1024
            a, b = st["no_streams"]["tps"], st["with_streams"]["tps"]
        except KeyError:
            cells.append("—")
            continue
        quiet = "none (file times)" if a is None else f"{a:.1f} -> {b:.1f} transactions/s"
        # Idle streams must add no transactions: the server's own periodic work is the same with and without them.
        no_queries = a is None or b <= a + 0.5
        cells.append(f"{_yes(p99 < 50 and rss < 300 and no_queries)}: {p99:.3f} ms, {rss:.0f} MiB, {quiet}")
    lines.append("| 3,000 streams: /health p99 < 50 ms, RSS < 300 MiB, no queries from idle streams | " + " | ".join(cells) + " |")
    cells = []
    for db in DBS:
        _, over, every = growth(results, db)
        sized = _measured(results, db)
        if not every:
            cells.append("—")
            continue
        text = f"{_yes(not over)} at {sized[-1]['runs']:,}: {_range(every)}"
        if over:
            text += "; over: " + ", ".join(f"{case} c={c} ×{g:.2f}" for case, c, g in over)
        cells.append(text)
    lines.append(f"| p99 growth ≤ {GROWTH_TARGET}x from the first to the large size | " + " | ".join(cells) + " |")
    return lines


def render(results: dict[str, Any]) -> str:
    m, s = results["machine"], results["settings"]
    loads = m["load_average_at_start"][0], m.get("load_average_at_end", [float("nan")])[0]
    sizes = ",".join(str(n) for n in s["runs"])
    head = (
        f"Measured {results['started']} on this project's development machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, "
        f"SQLite {m['sqlite']}, PostgreSQL on 127.0.0.1, load average {loads[0]:.2f} at start, {loads[1]:.2f} at end. "
        f"`scripts/bench --runs {sizes} --db {s['db']} --duration {s['duration']} --warmup {s['warmup']}`, commit {m['commit']}, "
        f"one runyard process (`--processes 1`), {s['runs'][0]:,} runs per store:"
    )
    out = [head, "", *side_by_side(results), ""]
    line = processes_line(results)
    if line:
        out += [line, ""]
    for db in DBS:
        table, _, _ = growth(results, db)
        out += table
    out += ["Worker-side cases of the same run:", "", *workers(results), "", "Against issue 17's targets (this one run, ratios):", "", *targets(results)]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "bench-results/results.json")
    sys.stdout.write(render(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
