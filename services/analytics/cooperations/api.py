"""GET /v1/cooperations: the open co-operations (协同待办), oldest request first: a co-operating
department asked and not yet contributed, on a complaint still open. Supervisors, operators and
admins see all; an agent sees those its department leads or co-operates on.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Query

from services.analytics.complaints.views import department_label, instant, labelled
from services.analytics.cooperations.models import OpenCooperation, OpenCooperations
from services.analytics.dependencies import CooperationsReadModel, Zone
from shared.complaints.values import CooperationStatus
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.error_responses import error_responses

Reader = Annotated[Principal, require(Role.AGENT, Role.SUPERVISOR, Role.OPERATOR)]

STATUS = {
    "CooperationRequested": CooperationStatus.REQUESTED,
    "CooperationAccepted": CooperationStatus.ACCEPTED,
}

router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/cooperations",
    summary="Open co-operations (协同待办): asked, not yet contributed, oldest first",
    response_model=OpenCooperations,
    responses=error_responses(described={403: "Agents, supervisors, operators and admins read it."}),
)
async def open_cooperations(
    principal: Reader,
    read_model: CooperationsReadModel,
    zone: Zone,
    limit: Annotated[int, Query(ge=1, le=500, description="Most co-operations returned.")] = 100,
) -> OpenCooperations:
    # an agent: its department's (leading or co-operating); one without a department sees nothing
    scope = (principal.department or "") if principal.role is Role.AGENT else None
    rows = await read_model.open(scope, limit)
    return OpenCooperations(
        items=[
            OpenCooperation(
                complaint_no=row["complaint_no"],
                subject=row["subject"],
                department=row["department"],
                department_label=department_label(row["department"]),
                lead_department=row["lead_department"],
                lead_department_label=department_label(row["lead_department"]),
                status=STATUS[row["type"]].value,
                status_label=labelled(STATUS[row["type"]]),
                requested_at=instant(row["requested_at"], zone),
            )
            for row in rows
        ]
    )
