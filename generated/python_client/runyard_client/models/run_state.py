from typing import Literal

RunState = Literal[
    "cancelled",
    "cancelling",
    "crashed",
    "delayed",
    "expired",
    "failed",
    "queued",
    "retrying",
    "running",
    "succeeded",
    "system_failure",
    "timed_out",
]

RUN_STATE_VALUES: set[RunState] = {
    "cancelled",
    "cancelling",
    "crashed",
    "delayed",
    "expired",
    "failed",
    "queued",
    "retrying",
    "running",
    "succeeded",
    "system_failure",
    "timed_out",
}


def check_run_state(value: str) -> RunState:
    if value in RUN_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {RUN_STATE_VALUES!r}")
