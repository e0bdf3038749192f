"""When a schedule is due: a 5-field cron expression (with Trigger.dev's `L`) in an IANA time zone.

The cron arithmetic is cronsim's (maintained, and exact about daylight saving time as cron users
expect it: a time that a spring-forward skips fires once, just after the gap; a time that a fall-back
repeats fires once, the first time). Time zones are the standard library's zoneinfo. runyard writes
no cron parser: this module only checks what the contract promises (five fields, a known zone, a
time that ever comes) and words cronsim's complaints so that they name the field.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from runyard.domain.errors import RunyardError

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
DEFAULT_TIMEZONE = "UTC"


class InvalidSchedule(RunyardError, ValueError):
    """A schedule that cannot fire; `field` names what is wrong (`cron` or `timezone`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSchedule("timezone", f"Unknown time zone {name!r}: use an IANA name such as Europe/Berlin or America/New_York") from None


def _schedule(expression: str, zone: ZoneInfo, after: datetime) -> CronSim:
    fields = expression.split()
    if len(fields) != len(FIELDS):
        raise InvalidSchedule("cron", f"A cron expression has 5 fields ({' '.join(FIELDS)}); {expression!r} has {len(fields)}")
    try:
        return CronSim(" ".join(fields), after.astimezone(zone))
    except CronSimError as exc:
        # cronsim says "Bad minute", "Bad day-of-month", ...: say which field of which expression.
        raise InvalidSchedule("cron", f"Invalid cron expression {expression!r}: {str(exc).lower().replace('bad ', 'bad value in the ', 1)} field") from None


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
