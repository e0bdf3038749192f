"""When a schedule is due: a 5-field cron expression (with Trigger.dev's `L`) in an IANA time zone.

The cron arithmetic is cronsim's (maintained, and exact about daylight saving time as cron users
expect it: a time that a spring-forward skips fires once, just after the gap; a time that a fall-back
repeats fires once, the first time). Time zones are the standard library's zoneinfo. runyard writes
no cron parser: this module only checks what the contract promises (five fields, a known zone, a
time that ever comes) and words cronsim's complaints so that they name the field.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cron_descriptor import get_description
from cronsim import CronSim, CronSimError

from runyard.domain.errors import RunyardError

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
MISSED_WALKED = 1_000  # missed due times walked forward one by one after downtime, before walking back from now
DEFAULT_TIMEZONE = "UTC"


class InvalidSchedule(RunyardError, ValueError):
    """A schedule that cannot fire; `field` names what is wrong (`cron` or `timezone`)."""

    def __init__(self, field: str, message: str, value: str = "") -> None:
        super().__init__(message)
        self.field = field
        self.value = value  # the expression or zone refused


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule("timezone", f"Unknown time zone {name!r}: use an IANA name such as Europe/Berlin or America/New_York", name) from None


def _schedule(expression: str, zone: ZoneInfo, after: datetime, *, reverse: bool = False) -> CronSim:
    """The due times after `after` (with `reverse`, before it, latest first), in `zone`."""
    fields = expression.split()
    if len(fields) != len(FIELDS):
        raise InvalidSchedule("cron", f"A cron expression has 5 fields ({' '.join(FIELDS)}); {expression!r} has {len(fields)}")
    try:
        return CronSim(" ".join(fields), after.astimezone(zone), reverse=reverse)
    except CronSimError as exc:
        if str(exc) == "Bad day-of-month" and _valid([*fields[:3], "*", *fields[4:]]):
            # Each field is valid alone; cronsim refuses a day no month of the expression has (30 February).
            raise InvalidSchedule("cron", f"The cron expression {expression!r} never fires: no month it names has that day") from None
        # cronsim says "Bad minute", "Bad day-of-month", ...: say which field of which expression.
        raise InvalidSchedule("cron", f"Invalid cron expression {expression!r}: {str(exc).lower().replace('bad ', 'bad value in the ', 1)} field") from None


def _valid(fields: list[str]) -> bool:
    try:
        CronSim(" ".join(fields), datetime(2000, 1, 1))
    except CronSimError:
        return False
    return True


def due_times(expression: str, timezone: str, after: datetime, count: int) -> list[datetime]:
    """The next `count` due times strictly after `after` (an aware datetime), in UTC."""
    if after.tzinfo is None:
        raise ValueError("`after` must be an aware datetime")
    zone = time_zone(timezone)
    return [due.astimezone(UTC) for due in itertools.islice(_schedule(expression, zone, after), count)]


def check(expression: str, timezone: str, now: datetime) -> datetime:
    """The first due time after `now`, or InvalidSchedule saying why there is none (bad field, unknown
    zone, an expression that never fires, such as the 30th of February)."""
    try:
        first = due_times(expression, timezone, now, 1)
    except StopIteration:  # cronsim's iterator ends when no time ever matches
        first = []
    if not first:
        raise InvalidSchedule("cron", f"The cron expression {expression!r} never fires")
    return first[0]


class Overlap(StrEnum):
    """What a due time does while the schedule's previous run is unfinished (TrueFoundry's
    concurrency_policy Allow / Forbid / Replace)."""

    ALLOW = "allow"  # start another run beside it
    SKIP = "skip"  # fire nothing this time
    REPLACE = "replace"  # cancel it and start anew


@dataclass(frozen=True)
class NewSchedule:
    env_id: str
    job_name: str
    cron: str
    timezone: str = DEFAULT_TIMEZONE
    input: Any = None
    external_id: str | None = None
    deduplication_key: str | None = None  # creating with an existing key updates that schedule
    active: bool = True
    overlap: Overlap = Overlap.ALLOW
    declarative: bool = False  # declared on a job in the jobs file: changed there, not through an API


@dataclass(frozen=True)
class DeclaredSchedule:
    """A schedule declared on a job in the jobs file (`schedule`, `timezone`, `schedule_environment`):
    made at start, changed when the line changes, removed when it goes."""

    job_name: str
    cron: str
    timezone: str = DEFAULT_TIMEZONE
    environment: str = "default"

    @property
    def deduplication_key(self) -> str:
        return f"runyard.toml:{self.job_name}"


@dataclass(frozen=True)
class ScheduleChange:
    """What an update sets: the job, the expression, the zone and the external id (Trigger.dev's
    update body); input and overlap only when given (None keeps them)."""

    job_name: str
    cron: str
    timezone: str = DEFAULT_TIMEZONE
    external_id: str | None = None
    input: Any = None
    overlap: Overlap | None = None


@dataclass(frozen=True)
class Schedule(NewSchedule):
    id: str = ""
    created_at: int = 0
    updated_at: int = 0
    next_due_at: int = 0  # epoch microseconds (UTC)
    last_due_at: int | None = None


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _moment(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


def first_due(schedule: NewSchedule, now_us: int) -> int:
    """The schedule's first due time after `now_us` (InvalidSchedule when there is none)."""
    return _us(check(schedule.cron, schedule.timezone, _moment(now_us)))


def firing(schedule: Schedule, now_us: int) -> tuple[int, int]:
    """(the due time to fire now, the next one after now), in epoch microseconds.

    After downtime a schedule fires once, for the latest due time it missed, not once per missed
    tick: a backlog of identical runs helps nobody, and the run's payload says which time it is for."""
    zone = time_zone(schedule.timezone)
    due = schedule.next_due_at
    # The missed times one at a time, as they come: a list of all that might be missed was a
    # hundred thousand times computed on every firing (seconds of CPU for a daily schedule), and
    # for a monthly one it ran past the year 9999, so that it never fired.
    for later in itertools.islice(_schedule(schedule.cron, zone, _moment(due)), MISSED_WALKED):
        if _us(later) > now_us:
            return due, _us(later)
        due = _us(later)
    # Down for longer than that (a minutely schedule for 17 hours, a daily one for three years): the
    # latest time at or before now is the first one walking back from just after it.
    latest = next(_schedule(schedule.cron, zone, _moment(now_us + 1), reverse=True))
    return max(due, _us(latest)), _us(next(_schedule(schedule.cron, zone, _moment(now_us))))


def scheduled_payload(schedule: Schedule, due_us: int, upcoming: list[int]) -> dict[str, Any]:
    """The input of a run a schedule fires: Trigger.dev's scheduled-task payload."""

    def iso(us: int) -> str:
        return _moment(us).isoformat().replace("+00:00", "Z")

    return {
        "scheduleId": schedule.id,
        "type": "DECLARATIVE" if schedule.declarative else "IMPERATIVE",
        "timestamp": iso(due_us),
        "lastTimestamp": iso(schedule.last_due_at) if schedule.last_due_at is not None else None,
        "externalId": schedule.external_id,
        "timezone": schedule.timezone,
        "upcoming": [iso(us) for us in upcoming],
        **({"input": schedule.input} if schedule.input is not None else {}),
    }


def upcoming(schedule: NewSchedule, after_us: int, count: int = 5) -> list[int]:
    return [_us(due) for due in due_times(schedule.cron, schedule.timezone, _moment(after_us), count)]


def describe(expression: str) -> str:
    """The expression in words ("At 09:00 AM, Monday through Friday"), as Trigger.dev's generator
    description words it (cron-descriptor is a port of the library Trigger.dev uses, cronstrue)."""
    try:
        return str(get_description(expression))
    except Exception:  # a wording is a nicety: an expression cronsim takes is never refused for it
        return expression


def _listed(name: str) -> bool:
    # Canonical region/city names only: not the legacy aliases (US/Eastern, posix/..., Etc/GMT+5).
    return "/" in name and not name.startswith(("Etc/", "SystemV/", "US/", "posix", "right/", "Canada/", "Brazil/", "Chile/", "Mexico/"))


def time_zones(exclude_utc: bool = False) -> list[str]:
    """The zones a schedule may name, for pickers: UTC first (unless excluded), then region/city names
    in order. Any other IANA name zoneinfo knows (a legacy alias too) is accepted as well."""
    zones = sorted(name for name in available_timezones() if _listed(name))
    return zones if exclude_utc else ["UTC", *zones]
