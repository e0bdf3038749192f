"""PraisonAI's /stats, and runyard's overview for dashboards. Errors are the native dialect's (runyard.dialects.native.error_response)."""

from __future__ import annotations

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply


async def get_stats(token_info: TokenInfo) -> Reply:
    service = current_service()
    counts = await service.stats(token_info["credential"])
    return native.stats_reply(counts, backend=service.db.kind, worker_slots=service.worker_slots, stopping=service.stopping)


async def get_overview(token_info: TokenInfo, window: str = "24h", environment: str | None = None) -> Reply:
    overview = await current_service().overview(token_info["credential"], hours=native.OVERVIEW_HOURS[window], environment=environment)
    return native.overview_reply(overview, window)
