"""Times are written as the public APIs write them: ISO 8601 in UTC with a Z (runyard.timeutil.to_iso)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import AwareDatetime, TypeAdapter

from runyard.timeutil import parse_datetime, to_datetime, to_iso


@pytest.mark.parametrize(
    ("us", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1_700_000_000_000_000, "2023-11-14T22:13:20Z"),
        (1_700_000_000_123_456, "2023-11-14T22:13:20.123456Z"),
        (1_700_000_000_000_001, "2023-11-14T22:13:20.000001Z"),
        (-1, "1969-12-31T23:59:59.999999Z"),
    ],
)
def test_a_time_is_written_in_utc_with_z_and_microseconds_only_when_it_has_them(us: int, text: str) -> None:
    assert to_iso(us) == text


def test_every_microsecond_survives_the_round_trip() -> None:
    rng = random.Random(5)
    for _ in range(5000):
        us = rng.randrange(0, 4_102_444_800_000_000)  # up to 2100
        parsed = parse_datetime(to_iso(us))
        assert parsed is not None
        assert parsed == datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us)


def test_a_datetime_given_to_a_generated_model_is_written_as_to_iso_writes_the_time() -> None:
    written = TypeAdapter(AwareDatetime)
    rng = random.Random(9)
    for us in [0, 1_700_000_000_000_000, 1_700_000_000_100_000, *(rng.randrange(0, 4_102_444_800_000_000) for _ in range(2000))]:
        assert written.dump_python(to_datetime(us), mode="json") == to_iso(us)
