"""HTTP: read the SLA clocks (operators, supervisors and admins see all; agents their department's)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from services.sla import repository
from services.sla.clocks import COOPERATION_STAGES
from services.sla.repository import Cursor, Deadline, DeadlineFilter, DeadlineState
from services.sla.schemas import ComplaintDeadlines, DeadlinePage, DeadlineView
from shared.clock import ensure_utc
from shared.complaints import SlaStage
from shared.complaints.stages.cooperation import cooperates
from shared.events import Role
from shared.eventstore.complaint_handling import load
from shared.service.auth import Principal, require
from shared.service.complaint_commands import ComplaintNoPath, not_found
from shared.service.dependencies import CurrentRuntime
from shared.service.error_responses import error_responses

Reader = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR, Role.AGENT, Role.QUALITY_ENGINEER)]

router = APIRouter(prefix="/v1", tags=["deadlines"])


def encode_cursor(deadline: Deadline) -> str:
    raw = json.dumps(
        [deadline.due_at.isoformat(), deadline.complaint_no, deadline.stage.value, deadline.generation]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        due, no, stage, generation = json.loads(raw)
        # ensure_utc: naive, or with no UTC equivalent (year 1 at +14:00), is a ValueError
        due_at = ensure_utc(datetime.fromisoformat(due))
        return Cursor(due_at, str(no), SlaStage(stage).value, int(generation))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise HTTPException(
            422,
            detail={
                "error": "invalid_cursor",
                "message": "cursor is not one this service returned; start again without it",
                "errors": [{"field": "cursor", "type": "invalid_cursor", "message": "unrecognised cursor"}],
            },
        ) from None


@router.get(
    "/deadlines",
    summary="List SLA clocks (时限)",
    response_model=DeadlinePage,
    description="Operators, supervisors and admins see every department; agents see only "
    "their own department's clocks. Ordered by due_at; page with `cursor`.",
)
async def list_deadlines(
    principal: Reader,
    complaint_no: Annotated[str | None, Query(min_length=1, description="Only this complaint.")] = None,
    state: Annotated[
        DeadlineState | None,
        Query(description="open (running, not warned), warned, breached (running, overdue) or stopped."),
    ] = None,
    stage: Annotated[
        SlaStage | None,
        Query(
            description="acknowledgement, first_response, initial_plan, progress_update, "
            "resolution or revisit."
        ),
    ] = None,
    department: Annotated[
        str | None, Query(min_length=1, description="Only this department's clocks.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size, 1 to 500.")] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    *,
    runtime: CurrentRuntime,
) -> DeadlinePage:
    if principal.role is Role.AGENT:
        if department is not None and department != principal.department:
            raise HTTPException(
                403,
                detail={
                    "error": "forbidden",
                    "message": "agents see only their own department's deadlines",
                    "message_zh": "坐席只能查看本部门的时限",
                },
            )
        department = principal.department
    where = DeadlineFilter(complaint_no=complaint_no, state=state, stage=stage, department=department)
    after = decode_cursor(cursor) if cursor else None
    async with runtime.engine.connect() as conn:
        rows = await repository.find(conn, where, limit + 1, after)
    page = rows[:limit]
    return DeadlinePage(
        items=[DeadlineView.of(row) for row in page],
        next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
    )


@router.get(
    "/complaints/{complaint_no}/deadlines",
    summary="SLA clocks of one complaint",
    response_model=ComplaintDeadlines,
    description="404 for a complaint that does not exist, and for agents of other departments. An "
    "agent of a co-operating department (协同) sees its own department's co-operation clocks only.",
    responses=error_responses(described={404: "No such complaint (or not your department's)."}),
)
async def complaint_deadlines(
    principal: Reader,
    complaint_no: ComplaintNoPath,
    runtime: CurrentRuntime,
) -> ComplaintDeadlines:
    state, _ = await load(runtime.store, complaint_no)
    if not state.exists:
        raise not_found(complaint_no)
    leads = principal.sees_department(state.department)
    if not leads and not cooperates(state, principal.department):
        raise not_found(complaint_no)
    async with runtime.engine.connect() as conn:
        rows = await repository.for_complaint(conn, complaint_no)
    if not leads:  # a co-operating department: its own co-operation clocks, nothing of the lead's
        rows = [r for r in rows if r.stage in COOPERATION_STAGES and r.department == principal.department]
    return ComplaintDeadlines(complaint_no=complaint_no, items=[DeadlineView.of(row) for row in rows])
