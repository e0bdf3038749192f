"""`runyard schedules ...`: list, create, show, pause, resume and delete cron schedules, over the
generated Python client (the native API), with each schedule's next five due times in its own
time zone and in UTC."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.table import Column, Table
from runyard_client.api.schedules import activate_schedule, create_schedule, deactivate_schedule, delete_schedule, get_schedule, list_schedules
from runyard_client.models import CreateScheduleRequest, Schedule, ScheduleList
from runyard_client.types import UNSET

from runyard.cli_client import DEFAULT_URL, AsJson, Key, Server, Url, emit_json, fail, out, run_command

schedules_app = typer.Typer(help="List, create, show, pause, resume and delete cron schedules.", no_args_is_help=True)

ScheduleId = Annotated[str, typer.Argument(help="The schedule's id (sched_..., from `runyard schedules list`).")]


def _when(moment: datetime, zone: str) -> str:
    """A due time in the schedule's zone and in UTC: `2026-12-07 09:00 CET (Europe/Berlin) = 2026-12-07 08:00 UTC`."""
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:  # a zone this machine lacks: UTC alone
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone}) = {moment:%Y-%m-%d %H:%M} UTC"


def _brief(moment: datetime, zone: str) -> str:
    """`2026-12-07 09:00 CET (08:00 UTC)`, for the list."""
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except ZoneInfoNotFoundError:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({moment:%H:%M} UTC)"


def _show(schedule: Schedule) -> None:
    data = schedule.to_dict()
    state = "active" if schedule.active else "paused"
    kind = ", declared in runyard.toml" if schedule.declarative else ""
    out.print(f"[bold]{schedule.id}[/bold]  job [bold]{schedule.job}[/bold]  {state}{kind}", highlight=False)
    out.print(f"  {schedule.cron}  ({schedule.description}) in {schedule.timezone}", highlight=False)
    details = {
        "environment": schedule.environment,
        "overlap": schedule.overlap,
        "external_id": data.get("external_id"),
        "deduplication_key": data.get("deduplication_key"),
        "last run": data.get("last_run_at"),
    }
    for name, value in details.items():
        if value is not None:
            out.print(f"  {name}: {value}", highlight=False)
    if data.get("input") is not None:
        out.print(f"  input: {json.dumps(data['input'])}", highlight=False)
    if schedule.upcoming:
        out.print("  next due times:")
        for due in schedule.upcoming:
            out.print(f"    {_when(due, schedule.timezone)}", highlight=False)
    else:
        out.print("  no due times while paused")


@schedules_app.command("list")
def schedules_list(
    job: Annotated[str | None, typer.Option(help="Only this job's schedules.")] = None,
    environment: Annotated[str | None, typer.Option(help="Only this environment's (admins).")] = None,
    page: Annotated[int, typer.Option(min=1)] = 1,
    page_size: Annotated[int, typer.Option(min=1, max=100)] = 20,
    url: Url = DEFAULT_URL,
    key: Key = None,
    as_json: AsJson = False,
) -> None:
    """Schedules, oldest first, with each one's next due time."""

    def action() -> None:
        listed: ScheduleList = Server(url, key).call(
            list_schedules.sync_detailed, job=job or UNSET, environment=environment or UNSET, page=page, page_size=page_size
        )
        if as_json:
            emit_json(listed.to_dict())
            return
        # An id is what the other commands take: it keeps its full width, the other columns give way.
        table = Table(Column("id", no_wrap=True, min_width=32), "job", "cron", "time zone", "environment", "state", Column("next due", no_wrap=True))
        for schedule in listed.schedules:
            next_run = schedule.next_run_at
            table.add_row(
                schedule.id,
                schedule.job,
                schedule.cron,
                schedule.timezone,
                schedule.environment,
                ("active" if schedule.active else "paused") + (" (runyard.toml)" if schedule.declarative else ""),
                _brief(next_run, schedule.timezone) if isinstance(next_run, datetime) else "",
            )
        out.print(table)
        out.print(f"page {page}: {len(listed.schedules)} of {listed.total}", highlight=False)

    run_command(action)


def _json_input(value: str | None) -> Any:
    if value is None:
        return UNSET
    try:
        return json.loads(value)
    except ValueError as exc:
        fail(f"--input is not JSON: {exc}", 2)


@schedules_app.command("create")
def schedules_create(
    job: Annotated[str, typer.Argument(help="The job to run.")],
    cron: Annotated[str, typer.Argument(help='Five cron fields, quoted: "0 9 * * 1-5".')],
    timezone: Annotated[str | None, typer.Option("--timezone", "--tz", help="An IANA time zone (default UTC).")] = None,
    input_json: Annotated[str | None, typer.Option("--input", help="JSON given to each run's payload as `input`.")] = None,
    external_id: Annotated[str | None, typer.Option(help="Your own id, given to each run's payload.")] = None,
    deduplication_key: Annotated[str | None, typer.Option(help="Creating again with this key updates that schedule.")] = None,
    overlap: Annotated[str | None, typer.Option(help="While the previous run is unfinished: allow, skip or replace.")] = None,
    environment: Annotated[str | None, typer.Option(help="Where its runs belong (admins; default the key's environment).")] = None,
    paused: Annotated[bool, typer.Option("--paused", help="Create it paused.")] = False,
    url: Url = DEFAULT_URL,
    key: Key = None,
    as_json: AsJson = False,
) -> None:
    """Create a schedule (admins), and show its next five due times."""

    def action() -> None:
        fields: dict[str, Any] = {"job": job, "cron": cron, "active": not paused}
        optional = {"timezone": timezone, "external_id": external_id, "deduplication_key": deduplication_key, "overlap": overlap, "environment": environment}
        fields.update({name: value for name, value in optional.items() if value is not None})
        given = _json_input(input_json)
        if given is not UNSET:
            fields["input"] = given
        schedule: Schedule = Server(url, key).call(create_schedule.sync_detailed, body=CreateScheduleRequest.from_dict(fields))
        emit_json(schedule.to_dict()) if as_json else _show(schedule)

    run_command(action)


@schedules_app.command("show")
def schedules_show(schedule_id: ScheduleId, url: Url = DEFAULT_URL, key: Key = None, as_json: AsJson = False) -> None:
    """A schedule and its next five due times, in its time zone and in UTC."""

    def action() -> None:
        schedule: Schedule = Server(url, key).call(get_schedule.sync_detailed, schedule_id=schedule_id)
        emit_json(schedule.to_dict()) if as_json else _show(schedule)

    run_command(action)


@schedules_app.command("pause")
def schedules_pause(schedule_id: ScheduleId, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Stop a schedule firing until it is resumed (admins)."""
    run_command(lambda: _show(Server(url, key).call(deactivate_schedule.sync_detailed, schedule_id=schedule_id)))


@schedules_app.command("resume")
def schedules_resume(schedule_id: ScheduleId, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Fire a paused schedule again, from its next due time after now (admins)."""
    run_command(lambda: _show(Server(url, key).call(activate_schedule.sync_detailed, schedule_id=schedule_id)))


@schedules_app.command("delete")
def schedules_delete(schedule_id: ScheduleId, url: Url = DEFAULT_URL, key: Key = None) -> None:
    """Delete a schedule; the runs it fired stay (admins)."""

    def action() -> None:
        Server(url, key).call(delete_schedule.sync_detailed, schedule_id=schedule_id)
        out.print(f"deleted {schedule_id}")

    run_command(action)
