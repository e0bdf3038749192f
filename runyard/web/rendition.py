"""The document connexion loads: the 3.0.3 rendition of the spec (keys are checked by runyard.web.security).

`scripts/generate` writes it to generated/connexion/openapi30.json (the drift check compares it),
so a reviewer sees exactly what connexion validates against. The app loads that file when it was
derived from the spec as it is now (its `x-runyard-source-sha256`), and derives it afresh otherwise.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from runyard.settings import ROOT, SPEC_PATH
from runyard.spec import load_spec, spec_text
from runyard.web.openapi_compat import to_openapi30

RENDITION_PATH = ROOT / "generated" / "connexion" / "openapi30.json"
SOURCE_HASH = "x-runyard-source-sha256"


def derive(spec_path: Path = SPEC_PATH) -> dict[str, Any]:
    """The rendition of the spec at `spec_path`, marked with the spec's hash."""
    rendition = to_openapi30(load_spec(spec_path))
    rendition[SOURCE_HASH] = hashlib.sha256(spec_text(spec_path).encode()).hexdigest()
    return rendition


def render(rendition: dict[str, Any]) -> str:
    return json.dumps(rendition, indent=1, ensure_ascii=False) + "\n"


def connexion_document(spec_path: Path = SPEC_PATH, rendition_path: Path = RENDITION_PATH) -> dict[str, Any]:
    """The generated rendition when it matches the spec, else one derived now."""
    wanted = hashlib.sha256(spec_text(spec_path).encode()).hexdigest()
    try:
        loaded: dict[str, Any] = json.loads(rendition_path.read_text())
    except (OSError, ValueError):
        return derive(spec_path)
    return loaded if loaded.get(SOURCE_HASH) == wanted else derive(spec_path)
