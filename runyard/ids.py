"""Run identifiers: `run_` + a lower-case ULID, so that creation order is id order."""

from __future__ import annotations

import secrets
import threading
import time

from ulid import ULID

_RANDOM_BITS = 80
_lock = threading.Lock()
_last_ms = 0
_last_random = 0


def new_run_id(now_ms: int | None = None) -> str:
    """A new time-sortable run id.

    Within one millisecond the random part is incremented rather than drawn
    again (monotonic ULIDs), so ids made by one process sort in the order
    they were made even when several share a millisecond.
    """
    global _last_ms, _last_random
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if ms <= _last_ms:
            ms = _last_ms
            rand = (_last_random + 1) % (1 << _RANDOM_BITS)
        else:
            rand = secrets.randbits(_RANDOM_BITS)
        _last_ms, _last_random = ms, rand
    raw = ms.to_bytes(6, "big") + rand.to_bytes(10, "big")
    return "run_" + str(ULID.from_bytes(raw)).lower()


def run_id_created_at(run_id: str) -> int:
    """The creation time (epoch microseconds, to the millisecond) a run id carries; 0 for one that is not a run id."""
    try:
        ms = int.from_bytes(ULID.from_str(run_id.removeprefix("run_").upper()).bytes[:6], "big")
    except ValueError:
        return 0
    return ms * 1000
