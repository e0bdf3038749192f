"""results.json -> results.md: tables per store, each runyard figure beside its floor's (and the peer's)."""

from __future__ import annotations

from typing import Any

# The execution case's workers (bench/execution.py), as (label, the key of a row's figures for it,
# the key of their ratio to the floor).
WORKERS = (("standalone", "runyard", "ratio"), ("embedded", "embedded", "embedded_ratio"))


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _ratio(mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> str:
    """runyard's requests/s as a multiple of another server's (x1.00 = as fast; below 1 = slower)."""
    if not mine or not theirs or "rps" not in mine or "rps" not in theirs:
        return "—"
    if not theirs["rps"]:
        return "∞" if mine["rps"] else "—"
    return f"×{mine['rps'] / theirs['rps']:.2f}"


def _cell(r: dict[str, Any] | None) -> list[str]:
    if not r:
        return ["—", "—", "—"]
    if "error" in r:
        return ["error", "—", "—"]
    rps = _num(r["rps"], 1 if r["rps"] < 100 else 0)
    if r.get("non_2xx") or r.get("errors"):
        rps += f" ({r['non_2xx'] + r['errors']} failed)"
    return [rps, _num(r["p50_ms"], 1), _num(r["p99_ms"], 1)]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    s = results["settings"]
    lines = [
        "# runyard benchmark results",
        "",
        f"{results['started']} · commit {m['commit']} · {m['cpus']} CPUs ({m['cpu']}) · Python {m['python']} · SQLite {m['sqlite']}",
        f"· load average at start {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}, at end {', '.join(f'{x:.2f}' for x in m.get('load_average_at_end', []))}",
        "",
        f"{' and '.join(f'{n:,}' for n in s['runs'])} runs seeded per store; each figure: {s['duration']} s (at most {s['requests']:,} answers) after {s['warmup']} s of warm-up,",
        "one server process on 127.0.0.1, driven by a closed-loop load generator in another process (bench/loadgen.py).",
        "rps counts 2xx answers per second; p50/p99 are latencies in ms. ×floor / ×peer: runyard's rps divided by theirs.",
        (
            "floor = bare Starlette + the same SQL, driver and JSON encoder (bench/floor.py); "
            f"peer = PraisonAI {results.get('peer', {}).get('version', '')} `praisonai serve jobs` with its SQLite store ({results.get('peer', {}).get('status', '')})."
        ),
        "",
    ]
    for note in results.get("notes", []):
        lines += [f"> {note}", ""]
    for db in dict.fromkeys([x["db"] for x in results["sections"]] + [x["db"] for x in results.get("workloads", [])]):
        sized = [x for x in results["sections"] if x["db"] == db]
        for section in sized:
            lines += _section(section)
        lines += _growth(sized)
        for workloads in (x for x in results.get("workloads", []) if x["db"] == db):
            lines += _workloads(workloads)
    return "\n".join(lines) + "\n"


def _section(section: dict[str, Any]) -> list[str]:
    """One store at one size: the HTTP cases' table, memory, plans, totals check, and runyard at N processes."""
    seed = section.get("seed", {})
    heading = f"## {section['db']}" + (f", {section['runs']:,} runs" if section.get("runs") else "")
    if "error" in section:
        return [heading, "", f"Not measured: {section['error']}", ""]
    lines = [
        heading,
        "",
        f"Seeded {seed.get('runs', 0):,} runs ({seed.get('run_tags', 0):,} tags) in {seed.get('seconds', '?')} s {seed.get('phases', '')}.",
        "",
        "| case | c | runyard rps | p50 | p99 | floor rps | p50 | p99 | peer rps | p50 | p99 | ×floor | ×peer |",
        "| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |",
    ]
    for row in section["cases"]:
        cells = [f"`{row['case']}`", str(row["concurrency"]), *_cell(row.get("runyard")), *_cell(row.get("floor")), *_cell(row.get("peer"))]
        cells += [_ratio(row.get("runyard"), row.get("floor")), _ratio(row.get("runyard"), row.get("peer"))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Peak resident memory (VmHWM) of each server over the section:", ""]
    lines += ["| server | peak RSS MiB | RSS at end MiB |", "| --- | --: | --: |"]
    for name, info in section.get("servers", {}).items():
        mem = info.get("memory_kib", {})
        lines.append(f"| {name} | {_num(mem.get('VmHWM', 0) / 1024, 1)} | {_num(mem.get('VmRSS', 0) / 1024, 1)} |")
    titles = dict.fromkeys((row["case"], row["title"]) for row in section["cases"])
    lines += ["", "Cases: " + "; ".join(f"`{key}`: {title}" for key, title in titles) + "."]
    if section.get("plans"):
        lines += ["", "Query plan of the TrueFoundry list (busiest job, page 1 of 20) for each sort key:", ""]
        for key, plan in section["plans"].items():
            lines.append(f"- `{key}`: " + " / ".join(line.strip() for line in plan[:3]))
    mismatches = _total_mismatches(section.get("checks", {}))
    lines += ["", "List totals agree between the servers." if not mismatches else "List totals differ: " + "; ".join(mismatches), ""]
    lines += [f"> {note}\n" for note in section.get("notes", [])]
    return lines + _processes(section)


def _processes(section: dict[str, Any]) -> list[str]:
    """runyard serve --processes N beside the one-process server, for the cases measured on both."""
    counts = [n for n in section.get("processes", [1]) if n > 1]
    rows = [row for row in section["cases"] if any(f"runyard_p{n}" in row for n in counts)]
    if not rows:
        return []
    lines = ["runyard with `--processes N` (same store, same load) beside the one-process server; ×1: its rps divided by one process's:", ""]
    header = "| case | c | 1 process rps | p50 | p99 |" + "".join(f" {n} processes rps | p50 | p99 | ×1 |" for n in counts)
    lines += [header, "| --- | --: |" + " --: |" * (3 + 4 * len(counts))]
    for row in rows:
        cells = [f"`{row['case']}`", str(row["concurrency"]), *_cell(row.get("runyard"))]
        for n in counts:
            cells += [*_cell(row.get(f"runyard_p{n}")), _ratio(row.get(f"runyard_p{n}"), row.get("runyard"))]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


# The growth target of issue 17: a read's p99 at the larger size at most 1.5x its p99 at the smaller.
GROWTH_TARGET = 1.5


def _growth(sized: list[dict[str, Any]]) -> list[str]:
    """Each read case's p99 at the smallest and at each larger size, and the growth, runyard's and the floor's."""
    measured = [x for x in sized if x.get("cases") and "error" not in x]
    if len(measured) < 2:
        return []
    small = measured[0]
    lines = []
    for large in measured[1:]:
        lines += [f"### {small['db']}: p99 growth from {small['runs']:,} to {large['runs']:,} runs (target: at most ×{GROWTH_TARGET})", ""]
        lines += growth_table(small, large)[0]
        lines.append("")
    return lines


def growth_table(small: dict[str, Any], large: dict[str, Any]) -> tuple[list[str], list[tuple[str, int, float]], list[float]]:
    """The growth table from one size to a larger one; the cells over the target (case, concurrency,
    growth) and every growth of runyard's."""
    lines = [
        f"| case | c | runyard p99 at {small['runs']:,} | at {large['runs']:,} | growth | floor p99 at {small['runs']:,} | at {large['runs']:,} | growth |",
        "| --- | --: | --: | --: | --: | --: | --: | --: |",
    ]
    over: list[tuple[str, int, float]] = []
    every: list[float] = []
    before = {(row["case"], row["concurrency"]): row for row in small["cases"]}
    for row in large["cases"]:
        old = before.get((row["case"], row["concurrency"]))
        if old is None:
            continue
        cells = [f"`{row['case']}`", str(row["concurrency"])]
        for name in ("runyard", "floor"):
            a, b = _p99(old.get(name)), _p99(row.get(name))
            growth = f"×{b / a:.2f}" if a and b else "—"
            if name == "runyard" and a and b:
                every.append(b / a)
                if b / a > GROWTH_TARGET:
                    over.append((row["case"], row["concurrency"], b / a))
                    growth += " (over)"
            cells += [_num(a, 1), _num(b, 1), growth]
        lines.append("| " + " | ".join(cells) + " |")
    return lines, over, every


def _p99(r: dict[str, Any] | None) -> float | None:
    return r.get("p99_ms") if r and "error" not in r else None


def _workloads(w: dict[str, Any]) -> list[str]:
    """The worker-side cases of one store: dispatch latency, execution throughput, open streams."""
    lines = [f"## {w['db']}: workers and streams", ""]
    if "dispatch" in w:
        d = w["dispatch"]
        lines += [f"**Dispatch latency** ({_took(d)})" + ("." if "error" not in d else f": not measured: {d['error']}"), ""]
        if "error" not in d:
            lines += [
                f"{d['runs']} runs of `true` submitted one at a time to `runyard serve --workers {d['workers']}` (idle between submits); "
                f"{d['succeeded']} succeeded. runyard: the run's `started_at` − `created_at` as stored, read from the database once all finished (no polling). "
                "floor: an INSERT of a queued row then the UPDATE claiming it, committed back to back on the same store, no poll.",
                "",
                "| | n | p50 ms | p90 ms | p99 ms | max ms |",
                "| --- | --: | --: | --: | --: | --: |",
            ]
            for key, label in (
                ("runyard", "runyard, submit to started"),
                ("floor", "floor, insert + claim"),
                ("submit_round_trip", "submit round trip (client)"),
            ):
                x = d[key]
                lines.append(f"| {label} | {x['n']} | {_num(x['p50_ms'], 1)} | {_num(x['p90_ms'], 1)} | {_num(x['p99_ms'], 1)} | {_num(x['max_ms'], 1)} |")
            lines.append("")
    if "execution" in w:
        e = w["execution"]
        lines += [f"**Execution throughput** ({_took(e)})" + ("." if "error" not in e else f": not measured: {e['error']}"), ""]
        if "error" not in e:
            lines += [
                f"{e['runs']:,} queued runs of `true` per row and worker, executed by a standalone `runyard worker --concurrency SLOTS` alone on the "
                "store, then as many by the embedded worker of `runyard serve --workers SLOTS` (first start to last end, as stored); "
                "floor: `true` spawned as many times, as many at once, by bare asyncio (bench/spawnfloor.py).",
                "",
                "| slots | worker | runyard runs/s | floor runs/s | ×floor | runyard s | succeeded | submits/s while queueing |",
                "| --: | --- | --: | --: | --: | --: | --: | --: |",
            ]
            for row in e["rows"]:
                f = row["floor"]
                floor = _num(f.get("runs_per_s"), 1) if "error" not in f else "error"
                for label, figures, ratio_key in WORKERS:
                    if figures not in row:  # a run from before the embedded worker was measured
                        continue
                    r, ratio = row[figures], row[ratio_key]
                    shown = "—" if ratio is None else f"×{ratio:.3f}"
                    lines.append(
                        f"| {row['slots']} | {label} | {_num(r['runs_per_s'], 1)} | {floor} | {shown} | {_num(r['seconds'], 1)} | "
                        f"{r['succeeded']:,} of {r['runs']:,} | {_num(r['queued_per_s'])} |"
                    )
            lines.append("")
    if "streams" in w:
        st = w["streams"]
        lines += [f"**Open streams** ({_took(st)})" + ("." if "error" not in st else f": not measured: {st['error']}"), ""]
        if "error" not in st:
            opening, holding = st["opening"], st["holding"]
            lines += [
                f"`runyard serve --workers 0` with {st['streams']:,} queued runs; one SSE stream per run opened in {opening['seconds']} s "
                f"({opening['opened']:,} opened, {opening['failed']:,} failed{' ' + str(opening['failures']) if opening['failures'] else ''}), "
                f"{holding['held']:,} still open at the end ({holding['ended_early']:,} ended early). "
                f"CPU and transactions over {st['window_s']} s with no request; /health: {st['health_requests']} answers at c=1.",
                "",
                "| | /health p50 ms | p99 ms | server CPU % | RSS MiB | peak RSS MiB | PostgreSQL transactions/s |",
                "| --- | --: | --: | --: | --: | --: | --: |",
            ]
            for key, label in (("no_streams", "no stream (floor)"), ("with_streams", f"{opening['opened']:,} streams")):
                x = st[key]
                h, mem = x["health"], x["memory_kib"]
                health = [_num(h.get("p50_ms"), 2), _num(h.get("p99_ms"), 2)] if "error" not in h else ["error", "—"]
                lines.append(
                    f"| {label} | {' | '.join(health)} | {_num(x['cpu_percent'], 1)} | {_num(mem.get('VmRSS', 0) / 1024, 1)} | "
                    f"{_num(mem.get('VmHWM', 0) / 1024, 1)} | {_num(x['tps'], 1)} |"
                )
            lines.append("")
    return lines


def _took(x: dict[str, Any]) -> str:
    return f"took {x['seconds']} s" if "seconds" in x else "?"


def workload_line(key: str, x: dict[str, Any]) -> str:
    """One log line for a finished worker-side case."""
    if "error" in x:
        return f"error: {x['error']}"
    if key == "dispatch":
        r, f = x["runyard"], x["floor"]
        return f"{x['succeeded']}/{x['runs']} succeeded; p50 {r['p50_ms']} ms p99 {r['p99_ms']} ms (floor p50 {f['p50_ms']} ms p99 {f['p99_ms']} ms)"
    if key == "execution":
        return "; ".join(f"{row['slots']} slot(s): {row['runyard']['runs_per_s']} runs/s, floor {row['floor'].get('runs_per_s')} runs/s" for row in x["rows"])
    a, b = x["no_streams"], x["with_streams"]
    return (
        f"{x['opening']['opened']} opened, {x['holding']['held']} held; /health p99 {a['health'].get('p99_ms')} -> {b['health'].get('p99_ms')} ms, "
        f"CPU {a['cpu_percent']} -> {b['cpu_percent']} %, RSS {a['memory_kib'].get('VmRSS', 0) // 1024} -> {b['memory_kib'].get('VmRSS', 0) // 1024} MiB, "
        f"tps {a['tps']} -> {b['tps']}"
    )


def _total_mismatches(checks: dict[str, dict[str, Any]]) -> list[str]:
    """Cases whose servers answered different totals (or an error), a sign they did not answer the same question."""
    out = []
    for case, by_server in checks.items():
        if any(c.get("status", 500) >= 400 for c in by_server.values()):
            out.append(f"{case}: " + ", ".join(f"{name} HTTP {c.get('status')}" for name, c in by_server.items()))
            continue
        totals = {name: c["total"] for name, c in by_server.items() if "total" in c}
        if len(set(totals.values())) > 1:
            out.append(f"{case}: " + ", ".join(f"{name} {total:,}" for name, total in totals.items()))
    return out
