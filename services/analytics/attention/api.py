"""HTTP API of the attention queue (``GET /v1/attention``), the top of the operators' dashboard.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Query

from services.analytics.attention.models import Attention
from services.analytics.dependencies import AttentionQueue
from services.analytics.filters import ERRORS, Reader, ReaderFilters
from shared.service.dependencies import CurrentClock

router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/attention",
    summary="What needs attention now: counts, breached and at-risk complaints, overdue revisits",
    response_model=Attention,
    responses=ERRORS,
)
async def get_attention(
    principal: Reader,
    filters: ReaderFilters,
    attention: AttentionQueue,
    clock: CurrentClock,
    limit: Annotated[int, Query(ge=1, le=500, description="Most complaints in each list.")] = 50,
) -> Attention:
    return await attention.attention(filters, clock.now(), limit)
