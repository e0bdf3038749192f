from typing import Literal

NativeStatus = Literal["cancelled", "failed", "queued", "running", "succeeded"]

NATIVE_STATUS_VALUES: set[NativeStatus] = {
    "cancelled",
    "failed",
    "queued",
    "running",
    "succeeded",
}


def check_native_status(value: str) -> NativeStatus:
    if value in NATIVE_STATUS_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {NATIVE_STATUS_VALUES!r}")
