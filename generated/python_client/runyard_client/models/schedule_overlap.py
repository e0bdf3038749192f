from typing import Literal

ScheduleOverlap = Literal["allow", "replace", "skip"]

SCHEDULE_OVERLAP_VALUES: set[ScheduleOverlap] = {
    "allow",
    "replace",
    "skip",
}


def check_schedule_overlap(value: str) -> ScheduleOverlap:
    if value in SCHEDULE_OVERLAP_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SCHEDULE_OVERLAP_VALUES!r}")
