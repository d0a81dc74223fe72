"""HTTP API of the attention queue (``GET /v1/attention``), the top of the operators' dashboard.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Query

from services.analytics.api import ERRORS, Reader
from services.analytics.attention import AttentionReadModel
from services.analytics.attention_models import Attention
from services.analytics.repository import Filters
from shared.clock import Clock
from shared.complaints import Category, Channel, Grade
from shared.events import Role


def build_attention_router(attention: AttentionReadModel, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])

    @router.get(
        "/attention",
        summary="What needs attention now: counts, breached and at-risk complaints, overdue revisits",
        response_model=Attention,
        responses=ERRORS,
    )
    async def get_attention(
        principal: Reader,
        department: Annotated[list[str] | None, Query(description="Only these department codes.")] = None,
        channel: Annotated[list[Channel] | None, Query(description="Only these channels.")] = None,
        category: Annotated[list[Category] | None, Query(description="Only these categories.")] = None,
        grade: Annotated[list[Grade] | None, Query(description="Only these grades.")] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="Most complaints in each list.")] = 50,
    ) -> Attention:
        filters = Filters(
            values={
                "department": list(department or ()),
                "channel": [c.value for c in channel or ()],
                "category": [c.value for c in category or ()],
                "grade": [g.value for g in grade or ()],
            },
            scope_department=(principal.department or "") if principal.role is Role.AGENT else None,
        )
        return await attention.attention(filters, clock.now(), limit)

    return router
