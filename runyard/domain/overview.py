"""What a dashboard's overview shows: the runs created in a recent window, by hour and by job."""

from __future__ import annotations

from dataclasses import dataclass

from runyard.domain.runs import StateCounts

HOUR_US = 3600 * 1_000_000


@dataclass(frozen=True, slots=True)
class Activity:
    """Runs created in one hour, of one job, in one state, and their executing times."""

    hour: int  # hours since the epoch (created_at // HOUR_US)
    job_name: str
    state: str  # internal state
    runs: int
    duration_ms_sum: int  # over the runs that have a duration
    durations: int  # how many of the runs have one
    duration_ms_max: int | None


@dataclass(frozen=True)
class Overview:
    """The counts of every run (all time) and the activity of the `hours` whole hours up to now, the current one last."""

    generated_at: int  # epoch microseconds
    first_hour: int  # hours since the epoch of the window's oldest hour
    hours: int
    environments: list[str]  # names of the environments the credential sees (narrowed, if it asked)
    counts: StateCounts
    activity: list[Activity]
