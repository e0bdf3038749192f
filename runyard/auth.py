"""Secret API keys: made once, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets

# Trigger.dev's prefixes for its usual environments; other names use their own.
_PREFIX_NAMES = {"dev": "dev", "development": "dev", "staging": "stg", "stg": "stg", "prod": "prod", "production": "prod", "preview": "prev"}
ENVIRONMENT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def key_prefix(environment: str) -> str:
    return f"tr_{_PREFIX_NAMES.get(environment, environment)}_"


def new_secret(environment: str) -> str:
    return key_prefix(environment) + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def shown_prefix(secret: str) -> str:
    """Enough of a key to recognise it in a list, never enough to use it."""
    return secret[: len(secret.rsplit("_", 1)[0]) + 5]
