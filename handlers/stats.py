"""PraisonAI's /stats. Errors are the native dialect's (runyard.dialects.native.error_response)."""

from __future__ import annotations

from runyard.dialects import native
from runyard.web.context import TokenInfo, current_service
from runyard.web.replies import Reply


async def get_stats(token_info: TokenInfo) -> Reply:
    service = current_service()
    counts = await service.stats(token_info["credential"])
    return native.stats_reply(counts, backend=service.db.kind, worker_slots=service.worker_slots, stopping=service.stopping)
