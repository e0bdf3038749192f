"""Health."""

from __future__ import annotations

from generated import models as m
from runyard import __version__
from runyard.web.context import current_service
from runyard.web.replies import Reply, reply


async def get_health() -> Reply:
    return reply(m.Health(status="ok", version=__version__, database=await current_service().health()))
