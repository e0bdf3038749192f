"""`runyard runs ...` and `runyard jobs ...`: the command line over the generated Python client.

Every failure prints one line on stderr and exits non-zero; `--json` prints
pure JSON on stdout and nothing else.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, get_args

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from runyard_client import Client
from runyard_client.api.jobs import delete_job, get_job, list_jobs, put_job
from runyard_client.api.runs import cancel_run, get_run_logs, get_run_result, get_run_status, list_runs, submit_run
from runyard_client.models import JobSpec, NativeError, NativeStatus, SubmitRunRequest
from runyard_client.types import UNSET, Response

DEFAULT_URL = "http://127.0.0.1:8005"
FINISHED = {"succeeded", "failed", "cancelled"}

runs_app = typer.Typer(help="Submit, list, inspect, follow and cancel runs.", no_args_is_help=True)
jobs_app = typer.Typer(help="List, show, apply and delete job definitions.", no_args_is_help=True)

Url = Annotated[str, typer.Option("--url", envvar="RUNYARD_URL", help="The runyard server.")]
Key = Annotated[str | None, typer.Option("--key", envvar="RUNYARD_API_KEY", help="An API key (sent as a bearer token).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print pure JSON on stdout.")]
err = Console(stderr=True)
out = Console()


class CliError(Exception):
    """One line for the user; the command exits with `code`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


@dataclass
class Server:
    url: str
    key: str | None

    def client(self) -> Client:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return Client(base_url=self.url.rstrip("/"), headers=headers, timeout=httpx.Timeout(30.0), raise_on_unexpected_status=False)

    def unreachable(self) -> NoReturn:
        fail(f"cannot reach runyard at {self.url} (is `runyard serve` running? set --url or RUNYARD_URL)")

    def call(self, operation: Callable[..., Response[Any]], **kwargs: Any) -> Any:
        """Call a generated operation: its parsed 2xx body, or a one-line error."""
        try:
            with self.client() as client:
                response = operation(client=client, **kwargs)
        except httpx.ConnectError:
            self.unreachable()
        except httpx.HTTPError as exc:
            fail(f"request to {self.url} failed: {exc}")
        return parsed_or_fail(response)


def parsed_or_fail(response: Response[Any]) -> Any:
    status = int(response.status_code)
    if 200 <= status < 300:
        return response.parsed
    refused(status, response.content, response.parsed)


def refused(status: int, content: bytes, parsed: object) -> NoReturn:
    """Fail with the status and the detail of an error answer."""
    detail = None
    if isinstance(parsed, NativeError):
        detail = parsed.detail
    else:
        try:
            body = json.loads(content)
            detail = body.get("detail") or body.get("message") or body.get("error")
        except (ValueError, AttributeError):
            detail = content.decode(errors="replace").strip()[:200] or None
    fail(f"{status}: {detail or 'the server refused the request'}")


def run_command(action: Callable[[], int | None]) -> None:
    """Run a command body; CliError becomes one stderr line and an exit code, never a traceback."""
    try:
        code = action()
    except CliError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
        raise typer.Exit(exc.code) from None
    except (ValueError, KeyError, TypeError) as exc:  # an answer we could not read: still one line
        err.print(f"[red]error:[/red] unexpected answer from the server: {exc.__class__.__name__}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    if code:
        raise typer.Exit(code)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def as_dict(model: Any) -> Any:
    return model.to_dict() if hasattr(model, "to_dict") else model


# ---------------------------------------------------------------------------------------- runs


@runs_app.command("list")
def runs_list(
    url: Url = DEFAULT_URL,
    key: Key = None,
    status: Annotated[str | None, typer.Option(help="queued, running, succeeded, failed or cancelled.")] = None,
    session: Annotated[str | None, typer.Option(help="Only runs of this session id.")] = None,
    job: Annotated[str | None, typer.Option(help="Only runs of this job.")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: AsJson = False,
) -> None:
    """List runs, newest first."""

    def action() -> None:
        valid = get_args(NativeStatus)
        if status is not None and status not in valid:
            fail(f"invalid status {status!r}; valid: {', '.join(valid)}", 2)
        result = Server(url, key).call(
            list_runs.sync_detailed,
            status=status if status else UNSET,
            session_id=session if session is not None else UNSET,
            job=job if job is not None else UNSET,
            page=page,
            page_size=page_size,
        )
        if as_json:
            emit_json(result.to_dict())
            return
        table = Table(
            Column("job_id", no_wrap=True, min_width=30), "status", "created_at", "session_id", title=f"Runs (page {result.page}, {result.total} in all)"
        )
        for item in result.jobs:
            table.add_row(item.job_id, str(item.status), item.created_at.isoformat(timespec="seconds"), item.session_id or "")
        out.print(table)

    run_command(action)


@runs_app.command("status")
def runs_status(job_id: str, url: Url = DEFAULT_URL, key: Key = None, as_json: AsJson = False) -> None:
    """A run's status and progress."""

    def action() -> None:
        status = Server(url, key).call(get_run_status.sync_detailed, job_id=job_id)
        if as_json:
            emit_json(status.to_dict())
            return
        data = status.to_dict()
        progress = data.get("progress") or {}
        out.print(f"[bold]{data['job_id']}[/bold]  {data['status']}  {progress.get('percentage', 0):.0f}%  {progress.get('current_step') or ''}")
        for field in ("created_at", "started_at", "completed_at", "error"):
            if data.get(field):
                out.print(f"  {field}: {data[field]}", highlight=False)

    run_command(action)


@runs_app.command("result")
def runs_result(job_id: str, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """A finished run's result (JSON on stdout); exit 1 when the run did not succeed."""

    def action() -> int:
        result = Server(url, key).call(get_run_result.sync_detailed, job_id=job_id)
        emit_json(result.to_dict())
        return 0 if str(result.status) == "succeeded" else 1

    run_command(action)


@runs_app.command("logs")
def runs_logs(
    job_id: str,
    url: Url = DEFAULT_URL,
    key: Key = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new output until the run ends.")] = False,
) -> None:
    """A run's captured output (stdout, then stderr)."""

    def action() -> None:
        server = Server(url, key)
        shown_out = shown_err = ""
        while True:
            logs = server.call(get_run_logs.sync_detailed, job_id=job_id)
            sys.stdout.write(_new_text(shown_out, logs.stdout))
            sys.stderr.write(_new_text(shown_err, logs.stderr))
            sys.stdout.flush()
            shown_out, shown_err = logs.stdout, logs.stderr
            if not follow or str(server.call(get_run_status.sync_detailed, job_id=job_id).status) in FINISHED:
                if follow:  # output written between the two reads
                    final = server.call(get_run_logs.sync_detailed, job_id=job_id)
                    sys.stdout.write(_new_text(shown_out, final.stdout))
                    sys.stderr.write(_new_text(shown_err, final.stderr))
                return
            time.sleep(1)

    run_command(action)


def _new_text(shown: str, now: str) -> str:
    """What a tail gained since it was shown (all of it when the kept tail moved past what was shown)."""
    return now[len(shown) :] if now.startswith(shown) else now


@runs_app.command("cancel")
def runs_cancel(job_id: str, url: Url = DEFAULT_URL, key: Key = None, as_json: AsJson = False) -> None:
    """Cancel a run that has not finished."""

    def action() -> None:
        status = Server(url, key).call(cancel_run.sync_detailed, job_id=job_id)
        if as_json:
            emit_json(status.to_dict())
        else:
            out.print(f"{status.job_id}: {status.status}")

    run_command(action)


def _input(value: str | None) -> Any:
    if value is None:
        return UNSET
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).read_text()
        except OSError as exc:
            fail(f"cannot read {value[1:]}: {exc.strerror}", 2)
    try:
        return json.loads(text)
    except ValueError as exc:
        fail(f"--input is not JSON: {exc}", 2)


@runs_app.command("submit")
def runs_submit(
    job: str,
    url: Url = DEFAULT_URL,
    key: Key = None,
    input_: Annotated[str | None, typer.Option("--input", help="JSON, or @file.json.")] = None,
    session: Annotated[str | None, typer.Option(help="A session id to group runs.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag (repeat for several).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Show live progress until the run ends; exit 1 unless it succeeded.")] = False,
    as_json: AsJson = False,
) -> None:
    """Submit a run of a job."""

    def action() -> int:
        server = Server(url, key)
        request = SubmitRunRequest(job=job, input_=_input(input_), session_id=session if session is not None else UNSET, tags=list(tag) if tag else UNSET)
        submitted = server.call(submit_run.sync_detailed, body=request)
        if not wait:
            if as_json:
                emit_json(submitted.to_dict())
            else:
                out.print(f"{submitted.job_id}: {submitted.status}")
            return 0
        if not as_json:
            err.print(f"submitted {submitted.job_id}")
        return watch(server, submitted.job_id, as_json)

    run_command(action)


@runs_app.command("watch")
def runs_watch(job_id: str, url: Url = DEFAULT_URL, key: Key = None, as_json: AsJson = False) -> None:
    """Follow a run live until it ends; exit 1 unless it succeeded."""
    run_command(lambda: watch(Server(url, key), job_id, as_json))


def sse_events(server: Server, job_id: str) -> Iterator[tuple[str, Any]]:
    """(event, data) pairs of a run's Server-Sent Events stream."""
    try:
        with server.client() as client, client.get_httpx_client().stream("GET", f"/api/v1/runs/{job_id}/stream", timeout=None) as response:
            if response.status_code != 200:
                response.read()
                if not 200 <= response.status_code < 300:
                    refused(response.status_code, response.content, None)
            event, data = "message", []
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and data:
                    yield event, json.loads("\n".join(data))
                    event, data = "message", []
    except httpx.ConnectError:
        server.unreachable()
    except httpx.HTTPError as exc:
        fail(f"the event stream broke: {exc}")


def watch(server: Server, job_id: str, as_json: bool) -> int:
    """A live bar (percentage and current step) fed by the SSE stream; the result or error at the end."""
    outcome: tuple[str, Any] = ("error", {"error": "the stream ended before the run did"})
    columns = (TextColumn("[bold]{task.fields[state]}"), BarColumn(), TaskProgressColumn(), TextColumn("{task.fields[step]}"), TimeElapsedColumn())
    with Progress(*columns, console=err, disable=as_json, transient=False) as bar:
        task = bar.add_task(job_id, total=100, state="queued", step="")
        for event, data in sse_events(server, job_id):
            if event == "status":
                progress = data.get("progress") or {}
                bar.update(task, state=data["status"], completed=progress.get("percentage", 0), step=progress.get("current_step") or "")
            elif event == "progress":
                bar.update(task, completed=data["percentage"], step=data.get("current_step") or "")
            elif event in ("result", "error"):
                outcome = (event, data)
                if event == "result":
                    bar.update(task, completed=100)
                break
    kind, data = outcome
    if as_json:
        emit_json({"job_id": job_id, **data})
    elif kind == "result":
        out.print_json(json.dumps(data["result"]))
    else:
        err.print(f"[red]run {job_id} did not succeed:[/red] {data.get('error')}", highlight=False)
    return 0 if kind == "result" else 1


# ---------------------------------------------------------------------------------------- jobs


@jobs_app.command("list")
def jobs_list(url: Url = DEFAULT_URL, key: Key = None, as_json: AsJson = False) -> None:
    """Every defined job."""

    def action() -> None:
        jobs = Server(url, key).call(list_jobs.sync_detailed)
        if as_json:
            emit_json(jobs.to_dict())
            return
        table = Table("name", "version", "command", "max_attempts", "timeout_seconds")
        for job in jobs.jobs:
            command = " ".join(job.command).replace("\n", " ")
            table.add_row(job.name, str(job.version), command[:60] + ("..." if len(command) > 60 else ""), str(job.max_attempts), str(job.timeout_seconds))
        out.print(table)

    run_command(action)


@jobs_app.command("show")
def jobs_show(name: str, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """A job's definition (JSON)."""
    run_command(lambda: emit_json(Server(url, key).call(get_job.sync_detailed, name=name).to_dict()))


@jobs_app.command("apply")
def jobs_apply(file: Annotated[Path, typer.Argument(help="A runyard.toml with [jobs.NAME] tables.")], url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Define or update every job of a jobs file on the server."""
    from runyard.jobs import InvalidJob, load_jobs_file

    def action() -> None:
        try:
            jobs = load_jobs_file(file)
        except InvalidJob as exc:
            fail(str(exc), 2)
        server = Server(url, key)
        for job in jobs:
            stored = server.call(put_job.sync_detailed, name=job.name, body=JobSpec.from_dict(job.to_data()))
            out.print(f"{stored.name}: version {stored.version}")

    run_command(action)


@jobs_app.command("delete")
def jobs_delete(name: str, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Delete a job (runs already submitted keep their version)."""

    def action() -> None:
        Server(url, key).call(delete_job.sync_detailed, name=name)
        out.print(f"deleted {name}")

    run_command(action)
