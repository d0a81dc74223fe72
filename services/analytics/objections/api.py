"""GET /v1/objections: the departments' objections to their assignments (派单异议) that wait for a
supervisor's decision, oldest first.

An objection waits from its AssignmentObjected until a decision (ObjectionUpheld, ObjectionRejected)
or anything else that moves the complaint (a transfer, a new assignment) follows it, as the
domain's fold keeps ``objecting_department``; only open complaints are listed. The department's
reason is typed by people and never enters a read model: it is read from the stored event at
request time. The supervisor decides on the routing service:
POST /v1/complaints/{no}/objection/decision.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import text

from services.analytics.complaints.models import Instant
from services.analytics.complaints.queries import FINAL
from services.analytics.complaints.stored import stored_events
from services.analytics.complaints.views import department_label, instant, labelled
from services.analytics.dependencies import Complaints, Zone
from shared.complaints import Status
from shared.complaints.stages.objection import AssignmentObjected
from shared.complaints.values import Label
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.error_responses import error_responses

Supervisor = Annotated[Principal, require(Role.SUPERVISOR)]
"""Who reads the list (admins too)."""

WAITING = text(
    """
    SELECT t.complaint_no, t.stream_version, t.occurred_at, t.actor_id,
           c.subject, c.department, c.status
    FROM analytics_timeline t JOIN analytics_complaints c ON c.complaint_no = t.complaint_no
    WHERE t.type = 'AssignmentObjected'
      AND c.status <> ALL(:final)
      AND NOT EXISTS (
          SELECT 1 FROM analytics_timeline d
          WHERE d.complaint_no = t.complaint_no AND d.stream_version > t.stream_version
            AND d.type IN ('AssignmentObjected', 'ObjectionUpheld', 'ObjectionRejected',
                           'ComplaintTransferred', 'ComplaintAssigned'))
    ORDER BY t.occurred_at, t.complaint_no
    LIMIT :limit
    """
)


class PendingObjection(BaseModel):
    """One objection waiting for a supervisor."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    status_label: Label = Field(description="The complaint's status, for people.")
    department: str | None = Field(description="Code of the department that objects.")
    department_label: Label = Field(description="The department's name.")
    objected_at: Instant = Field(description="When it objected.")
    objected_by: str | None = Field(description="Login name of who objected.")
    reason: str | None = Field(description="Why the complaint is not the department's.")


class PendingObjections(BaseModel):
    """The objections waiting for a supervisor's decision, oldest first."""

    items: list[PendingObjection] = Field(description="Waiting objections, oldest first.")


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/objections",
    summary="Departments' objections to their assignments, waiting for a supervisor (待裁定的派单异议)",
    response_model=PendingObjections,
    responses=error_responses(described={403: "Only supervisors read it."}),
)
async def pending_objections(
    principal: Supervisor,
    read_model: Complaints,
    zone: Zone,
    limit: Annotated[int, Query(ge=1, le=500, description="Most objections returned.")] = 100,
) -> PendingObjections:
    async with read_model.engine.connect() as conn:
        result = await conn.execute(WAITING, {"final": FINAL, "limit": limit})
        rows = [dict(row) for row in result.mappings()]
    objected = await stored_events(read_model.engine, rows, AssignmentObjected)
    reasons = {no: event.reason for (no, _), event in objected.items()}
    return PendingObjections(
        items=[
            PendingObjection(
                complaint_no=row["complaint_no"],
                subject=row["subject"],
                status_label=labelled(Status(row["status"])),
                department=row["department"],
                department_label=department_label(row["department"]),
                objected_at=instant(row["occurred_at"], zone),
                objected_by=row["actor_id"],
                reason=reasons.get(row["complaint_no"]),
            )
            for row in rows
        ]
    )
