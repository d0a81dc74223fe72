"""GET /v1/director/matters: the matters reported as beyond a handler's authority (超出权限上报)
that wait for the director's instruction, oldest first.

A matter waits from its ComplaintReportedBeyondAuthority until a DirectorInstructionRecorded
follows it (as the domain's fold keeps ``awaiting_director``); only open complaints are listed.
What the department reported is typed by people and never enters a read model: it is read from
the stored event at request time for the director, supervisors and admins, withheld from operators.

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
from shared.complaints.stages.beyond_authority import ComplaintReportedBeyondAuthority
from shared.complaints.values import Grade, Label
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.error_responses import error_responses

DirectorsReader = Annotated[Principal, require(Role.DIRECTOR, Role.SUPERVISOR, Role.OPERATOR)]
"""Who reads the list (admins too)."""
SEES_REASON = frozenset({Role.DIRECTOR, Role.SUPERVISOR, Role.ADMIN})

WAITING = text(
    """
    SELECT t.complaint_no, t.stream_version, t.occurred_at, t.actor_id,
           c.subject, c.department, c.status, c.grade
    FROM analytics_timeline t JOIN analytics_complaints c ON c.complaint_no = t.complaint_no
    WHERE t.type = 'ComplaintReportedBeyondAuthority'
      AND c.status <> ALL(:final)
      AND NOT EXISTS (
          SELECT 1 FROM analytics_timeline d
          WHERE d.complaint_no = t.complaint_no AND d.stream_version > t.stream_version
            AND d.type IN ('ComplaintReportedBeyondAuthority', 'DirectorInstructionRecorded'))
    ORDER BY t.occurred_at, t.complaint_no
    LIMIT :limit
    """
)


class DirectorMatter(BaseModel):
    """One matter waiting for the director."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    status_label: Label = Field(description="The complaint's status, for people.")
    grade_label: Label = Field(description="The complaint's grade, for people.")
    department: str | None = Field(description="Code of the department that reported it.")
    department_label: Label = Field(description="The department's name.")
    reported_at: Instant = Field(description="When it was reported (the director's 24 h count from here).")
    reported_by: str | None = Field(description="Login name of who reported it.")
    reason: str | None = Field(
        description="What the department may not decide; null for operators. The director answers "
        "on the routing service: POST /v1/complaints/{no}/director-instruction."
    )


class DirectorMatters(BaseModel):
    """The matters waiting for the director, oldest first."""

    items: list[DirectorMatter] = Field(description="Waiting matters, oldest first.")


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/director/matters",
    summary="Matters reported as beyond a handler's authority, waiting for the director (待总监批示)",
    response_model=DirectorMatters,
    responses=error_responses(described={403: "Only the director, supervisors and operators read it."}),
)
async def director_matters(
    principal: DirectorsReader,
    read_model: Complaints,
    zone: Zone,
    limit: Annotated[int, Query(ge=1, le=500, description="Most matters returned.")] = 100,
) -> DirectorMatters:
    async with read_model.engine.connect() as conn:
        result = await conn.execute(WAITING, {"final": FINAL, "limit": limit})
        rows = [dict(row) for row in result.mappings()]
    reasons: dict[str, str] = {}
    if principal.role in SEES_REASON:  # nobody else sees them: no need to read them
        reported = await stored_events(read_model.engine, rows, ComplaintReportedBeyondAuthority)
        reasons = {no: event.reason for (no, _), event in reported.items()}
    return DirectorMatters(
        items=[
            DirectorMatter(
                complaint_no=row["complaint_no"],
                subject=row["subject"],
                status_label=labelled(Status(row["status"])),
                grade_label=labelled(Grade(row["grade"])),
                department=row["department"],
                department_label=department_label(row["department"]),
                reported_at=instant(row["occurred_at"], zone),
                reported_by=row["actor_id"],
                reason=reasons.get(row["complaint_no"]),
            )
            for row in rows
        ]
    )
