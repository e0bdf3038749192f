from typing import Literal

SubmitRunRequestIdempotencyScopeType0 = Literal["global", "none", "session"]

SUBMIT_RUN_REQUEST_IDEMPOTENCY_SCOPE_TYPE_0_VALUES: set[SubmitRunRequestIdempotencyScopeType0] = {
    "global",
    "none",
    "session",
}


def check_submit_run_request_idempotency_scope_type_0(value: str) -> SubmitRunRequestIdempotencyScopeType0:
    if value in SUBMIT_RUN_REQUEST_IDEMPOTENCY_SCOPE_TYPE_0_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {SUBMIT_RUN_REQUEST_IDEMPOTENCY_SCOPE_TYPE_0_VALUES!r}"
    )
