"""Health."""

from __future__ import annotations

from generated import models as m
from handlers._respond import ok
from runyard import __version__
from runyard.context import current_service


async def get_health() -> tuple:
    service = current_service()
    database = await service.health()
    return ok(m.Health(status="ok", version=__version__, database=database))
