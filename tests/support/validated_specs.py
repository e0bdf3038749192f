"""connexion validates a document against the OpenAPI meta-schema once per test process, not once per app.

Every `create_app` hands connexion the same document (runyard's spec, as its rendition), and
connexion validates it against the OpenAPI 3.x meta-schema each time: about 0.23 s of CPU, four
fifths of a `create_app`, and the suite makes an app in-process for hundreds of tests. The
validation of one document always has the same outcome, so a document that passed once in this
process is not walked again; any other document (one byte differs) is validated as before, and a
document that fails is validated, and fails, every time. Servers the suite starts as subprocesses
are not affected (each validates its document once, as in production).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from connexion.spec import Specification

_passed: set[tuple[type, str]] = set()


def _key(cls: type, spec: dict[str, Any]) -> tuple[type, str]:
    return cls, hashlib.sha256(json.dumps(spec, sort_keys=True, default=repr).encode()).hexdigest()


def install() -> None:
    original = Specification._validate_spec.__func__  # type: ignore[attr-defined]
    if getattr(original, "_validated_once", False):
        return

    def _validate_spec(cls: type, spec: dict[str, Any]) -> None:
        key = _key(cls, spec)
        if key in _passed:
            return
        original(cls, spec)  # raises InvalidSpecification on a document that fails
        _passed.add(key)

    _validate_spec._validated_once = True  # type: ignore[attr-defined]
    Specification._validate_spec = classmethod(_validate_spec)  # type: ignore[method-assign,assignment]
