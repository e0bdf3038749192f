"""When schedules are due (runyard.domain.schedules), with an injected clock: time zones, daylight
saving transitions in Europe/Berlin and America/New_York, Trigger.dev's `L`, and refusals that name
what is wrong. Pure arithmetic: no store, no server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from runyard.domain.schedules import InvalidSchedule, Schedule, check, due_times, firing


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_weekday_morning_in_berlin_is_9_local_before_and_after_the_clocks_change() -> None:
    # Friday 27 March 2026 is CET (UTC+1); Monday 30 March is CEST (UTC+2).
    assert due_times("0 9 * * 1-5", "Europe/Berlin", utc(2026, 3, 26, 12), 3) == [utc(2026, 3, 27, 8), utc(2026, 3, 30, 7), utc(2026, 3, 31, 7)]


def test_a_time_the_spring_forward_skips_fires_once_just_after_the_gap_in_berlin() -> None:
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens that night.
    assert due_times("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12), 3) == [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30), utc(2026, 3, 31, 0, 30)]


def test_a_time_the_fall_back_repeats_fires_once_in_berlin() -> None:
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; it fires the first time.
    assert due_times("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 12), 3) == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]


def test_a_time_the_spring_forward_skips_fires_once_just_after_the_gap_in_new_york() -> None:
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT.
    assert due_times("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12), 2) == [utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]


def test_a_time_the_fall_back_repeats_fires_once_in_new_york() -> None:
    # 1 November 2026: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice; it fires the first time (EDT).
    assert due_times("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), 2) == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_l_is_the_last_day_of_the_month_as_trigger_dev_writes_it() -> None:
    assert due_times("0 12 L * *", "UTC", utc(2026, 1, 1), 3) == [utc(2026, 1, 31, 12), utc(2026, 2, 28, 12), utc(2026, 3, 31, 12)]


def test_the_next_five_due_times_are_strictly_after_the_given_moment() -> None:
    assert due_times("*/15 * * * *", "UTC", utc(2026, 1, 1, 10, 15), 5) == [utc(2026, 1, 1, 10, m) for m in (30, 45)] + [
        utc(2026, 1, 1, 11, m) for m in (0, 15, 30)
    ]


@pytest.mark.parametrize(
    ("expression", "zone", "field", "words"),
    [
        ("61 * * * *", "UTC", "cron", "minute field"),
        ("0 25 * * *", "UTC", "cron", "hour field"),
        ("0 0 * * 8", "UTC", "cron", "day-of-week field"),
        ("0 0 30 2 *", "UTC", "cron", "never fires"),  # the 30th of February never comes
        ("* * * *", "UTC", "cron", "5 fields"),
        ("0 0 * * * *", "UTC", "cron", "5 fields"),  # seconds are not cron's
        ("0 9 * * 1-5", "Mars/Olympus", "timezone", "Unknown time zone"),
    ],
)
def test_a_schedule_that_cannot_fire_is_refused_naming_what_is_wrong(expression: str, zone: str, field: str, words: str) -> None:
    with pytest.raises(InvalidSchedule) as refused:
        check(expression, zone, utc(2026, 1, 1))
    assert refused.value.field == field
    assert words in str(refused.value)


def test_a_valid_schedule_checks_to_its_first_due_time() -> None:
    assert check("0 9 * * 1-5", "Europe/Berlin", utc(2026, 1, 1)) == utc(2026, 1, 1, 8)


def _due(cron: str, next_due: datetime, zone: str = "UTC") -> Schedule:
    return Schedule(env_id="env", job_name="job", cron=cron, timezone=zone, next_due_at=int(next_due.timestamp()) * 1_000_000)


def _us(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000


def test_a_monthly_schedule_fires_for_its_due_time_and_names_the_next_month() -> None:
    # The first of the month: the times after it are looked at one at a time, up to the first after now
    # (a hundred thousand months on would be past the year 9999).
    schedule = _due("0 0 1 * *", utc(2027, 1, 1))
    assert firing(schedule, _us(utc(2027, 1, 1, 0, 0, 1))) == (_us(utc(2027, 1, 1)), _us(utc(2027, 2, 1)))


def test_after_a_long_downtime_a_yearly_schedule_fires_once_for_the_latest_missed_time() -> None:
    schedule = _due("0 7 1 1 *", utc(2020, 1, 1, 6), "Europe/Berlin")  # 07:00 in Berlin on 1 January (CET)
    assert firing(schedule, _us(utc(2026, 3, 1))) == (_us(utc(2026, 1, 1, 6)), _us(utc(2027, 1, 1, 6)))


def test_after_more_missed_times_than_are_walked_one_by_one_a_schedule_still_fires_for_the_latest() -> None:
    # A minutely schedule down for about eleven months: 480,000 missed times.
    schedule = _due("* * * * *", utc(2026, 1, 1))
    assert firing(schedule, _us(utc(2026, 12, 1)) + 30_000_000) == (_us(utc(2026, 12, 1)), _us(utc(2026, 12, 1, 0, 1)))


def test_a_due_time_exactly_now_is_the_one_fired_after_any_downtime() -> None:
    for missed_since in (utc(2026, 11, 30, 23, 50), utc(2026, 1, 1)):
        assert firing(_due("* * * * *", missed_since), _us(utc(2026, 12, 1))) == (_us(utc(2026, 12, 1)), _us(utc(2026, 12, 1, 0, 1)))


def test_after_more_missed_times_than_are_walked_the_fall_back_still_fires_the_first_02_30_in_berlin() -> None:
    # Down since 2023: more than a thousand daily times missed, so the latest is found walking back from now.
    schedule = _due("30 2 * * *", utc(2023, 1, 1, 1, 30), "Europe/Berlin")
    assert firing(schedule, _us(utc(2026, 10, 25, 3))) == (_us(utc(2026, 10, 25, 0, 30)), _us(utc(2026, 10, 26, 1, 30)))
