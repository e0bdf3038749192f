"""results.json -> results.md: one table per store, runyard's figures beside the floor's and the peer's."""

from __future__ import annotations

from typing import Any


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
        f"{s['runs']:,} runs seeded per store; each figure: {s['duration']} s (at most {s['requests']:,} answers) after {s['warmup']} s of warm-up,",
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
    for section in results["sections"]:
        seed = section.get("seed", {})
        if "error" in section:
            lines += [f"## {section['db']}", "", f"Not measured: {section['error']}", ""]
            continue
        lines += [
            f"## {section['db']}",
            "",
            f"Seeded {seed.get('runs', 0):,} runs ({seed.get('run_tags', 0):,} tags) in {seed.get('seconds', '?')} s {seed.get('phases', '')}.",
            "",
        ]
        lines += [
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
    return "\n".join(lines) + "\n"


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
