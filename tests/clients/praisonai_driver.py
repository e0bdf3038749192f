"""Run the real PraisonAI jobs client and report what it printed, as JSON.

Executed with the python of the venv built by scripts/praisonai-venv (NOT the
runyard test interpreter):

    <venv-python> praisonai_driver.py list [--status S] [--page N] [--page-size N] [--json] --api-url URL
    <venv-python> praisonai_driver.py status JOB_ID [--json] --api-url URL

The arguments are passed unchanged to
``praisonai_code.cli.features.jobs.handle_run_command`` -- the code behind
``praisonai run list|status`` (in praisonai 4.7.19 the ``praisonai run`` CLI
entry point does not reach it, upstream issue #4700, so it is called directly).

The client prints with rich to stdout (a table for ``list``, a panel for
``status``, a "✗ Failed to ..." line on errors) and calls ``sys.exit(1)`` on any
HTTP or parsing error. This driver captures stdout/stderr, then prints exactly
one JSON object on its own stdout:

    {"argv": [...], "exit_code": 0, "stdout": "...", "stderr": "...",
     "parsed": {...} | null, "json": {...} | null,
     "versions": {"praisonai": "4.7.19", "praisonai-code": "0.1.16", ...}}

``parsed`` is the rendered output read back into data:
  list   -> {"kind": "list", "title": "Jobs (Page 1/1)", "rows": [{"id", "status",
             "progress", "created"}, ...], "total": 3}
            or {"kind": "list", "empty": true, "rows": [], "total": null} ("No jobs found")
  status -> {"kind": "status", "fields": {"Job ID": ..., "Status": ..., "Progress": ...,
             "Step": ..., "Created": ..., "Started": ..., ["Error": ...]}}
  error  -> {"kind": "error", "message": "Failed to get status: Client error '404 Not Found' ..."}
``json`` is the JSON document the client prints after its rich output when
``--json`` is given (it echoes the server response), else null.

The driver exits with the client's exit code (0 ok, 1 client error, 2 bad
arguments), or 3 if the driver itself could not run the client.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys

# rich sizes its output from COLUMNS when not writing to a terminal; the default
# of 80 columns ellipsises long job ids ("run_0123…") in the list table.
os.environ["COLUMNS"] = os.environ.get("RUNYARD_DRIVER_COLUMNS", "200")
os.environ["NO_COLOR"] = "1"
for _var in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
    os.environ.pop(_var, None)

# Box-drawing characters rich uses for table / panel borders.
_VERTICALS = "│┃"


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("praisonai", "praisonai-code", "httpx", "rich"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _split_json_tail(text: str):
    """Split the client's output into (rich part, trailing JSON document or None).

    With --json the client prints its rich output first and then
    ``json.dumps(result, indent=2)``; that document starts at a line that is
    exactly "{" (rich lines start with spaces or box characters).
    """
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == "{":
            try:
                return "\n".join(lines[:i]), json.loads("\n".join(lines[i:]))
            except ValueError:
                break
    return text, None


def _parse_error(text: str):
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for i, line in enumerate(lines):
        if line.startswith("✗"):
            # httpx's message spans two lines ("... for url '...'\nFor more information ...").
            return {"kind": "error", "message": " ".join([line[1:].strip()] + lines[i + 1:])}
    return None


def _parse_list(text: str):
    lines = [ln.rstrip() for ln in text.splitlines()]
    if any(ln.strip() == "No jobs found" for ln in lines):
        return {"kind": "list", "empty": True, "title": None, "rows": [], "total": None}
    title = None
    rows = []
    total = None
    header_seen = False
    for ln in lines:
        stripped = ln.strip()
        if stripped.startswith("Jobs (Page") and title is None:
            title = stripped
        elif stripped.startswith("Total:"):
            try:
                total = int(stripped.split()[1])
            except (IndexError, ValueError):
                total = None
        elif stripped and stripped[0] in _VERTICALS:
            cells = [c.strip() for c in stripped.strip(_VERTICALS).replace("┃", "│").split("│")]
            if not header_seen:
                header_seen = True  # "ID | Status | Progress | Created"
                continue
            if len(cells) == 4:
                rows.append(dict(zip(("id", "status", "progress", "created"), cells)))
    if title is None and not rows:
        return None
    return {"kind": "list", "empty": False, "title": title, "rows": rows, "total": total}


def _parse_status(text: str):
    fields = {}
    for ln in text.splitlines():
        stripped = ln.strip().strip(_VERTICALS).strip()
        if ": " in stripped:
            key, value = stripped.split(": ", 1)
            if key in ("Job ID", "Status", "Progress", "Step", "Created", "Started", "Error"):
                fields[key] = value.strip()
    if not fields:
        return None
    return {"kind": "status", "fields": fields}


def main(argv: list[str]) -> int:
    result = {"argv": argv, "exit_code": None, "stdout": "", "stderr": "",
              "parsed": None, "json": None, "versions": None}
    try:
        result["versions"] = _versions()
        from praisonai_code.cli.features.jobs import handle_run_command
    except Exception as exc:  # pragma: no cover - broken venv
        result["exit_code"] = 3
        result["stderr"] = f"driver: cannot import the PraisonAI jobs client: {exc!r}"
        print(json.dumps(result))
        return 3

    out, err = io.StringIO(), io.StringIO()
    exit_code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            handle_run_command(list(argv))
        except SystemExit as exc:
            code = exc.code
            exit_code = code if isinstance(code, int) else (0 if code is None else 1)
        except BaseException as exc:  # the client is meant to catch its own errors
            exit_code = 3
            print(f"driver: client raised {exc!r}", file=sys.stderr)

    stdout = out.getvalue()
    result["exit_code"] = exit_code
    result["stdout"] = stdout
    result["stderr"] = err.getvalue()

    rich_part, json_doc = _split_json_tail(stdout)
    result["json"] = json_doc
    sub = argv[0] if argv else None
    parsed = _parse_error(rich_part) if exit_code else None
    if parsed is None and sub == "list":
        parsed = _parse_list(rich_part)
    elif parsed is None and sub == "status":
        parsed = _parse_status(rich_part)
    result["parsed"] = parsed

    print(json.dumps(result))
    return exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
