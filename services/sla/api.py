"""HTTP: read the SLA clocks. Operators, supervisors and admins see all; agents their department's."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field

from services.sla import repository
from services.sla.clocks import STOP_REASON_LABELS, StopReason
from services.sla.repository import Cursor, Deadline, DeadlineFilter, DeadlineState
from shared.complaints import Grade, Lang, SlaStage, label
from shared.complaints.handling import load
from shared.complaints.http import not_found
from shared.events import Role
from shared.service.auth import Principal, require
from shared.service.runtime import Runtime

Labels = dict[Lang, str]

STATE_LABELS: dict[DeadlineState, Labels] = {
    DeadlineState.OPEN: {"zh-CN": "计时中", "en": "Running"},
    DeadlineState.WARNED: {"zh-CN": "已预警", "en": "Warned"},
    DeadlineState.BREACHED: {"zh-CN": "已超时", "en": "Breached"},
    DeadlineState.STOPPED: {"zh-CN": "已停止计时", "en": "Stopped"},
}


def _labels(value: SlaStage | str) -> Labels:
    return {"zh-CN": label(value, "zh-CN"), "en": label(value, "en")}


class DeadlineView(BaseModel):
    """One SLA clock of a complaint."""

    complaint_no: str = Field(description="The complaint's number.")
    stage: SlaStage = Field(description="first_response (until accepted) or resolution (until resolved).")
    stage_label: Labels = Field(description="The stage's name for people, in zh-CN and en.")
    generation: int = Field(description="1 for the first clock of this stage; one more per restart.")
    grade: Grade = Field(description="The complaint's grade, which set the time limit.")
    department: str | None = Field(description="Code of the responsible department; null before assignment.")
    department_label: Labels | None = Field(description="The department's name, in zh-CN and en.")
    state: DeadlineState = Field(
        description="open: running, not warned; warned; breached: running and overdue; stopped."
    )
    state_label: Labels = Field(description="The state's name for people, in zh-CN and en.")
    started_at: datetime = Field(description="When the clock started (UTC).")
    warn_fraction: float = Field(description="Share of the allowed time at which the warning is due.")
    warn_at: datetime = Field(description="When the warning is (or was) due (UTC).")
    due_at: datetime = Field(description="When the time limit runs out (UTC).")
    warned_at: datetime | None = Field(description="When the SlaWarningRaised was recorded, if it was.")
    breached_at: datetime | None = Field(description="When the SlaBreached was recorded, if it was.")
    escalation_level: int | None = Field(description="The escalation level the breach raised, if any.")
    escalated_to: str | None = Field(description="Who the breach escalated to, e.g. supervisor.")
    stopped_at: datetime | None = Field(description="When the clock stopped; null while it runs.")
    stop_reason: StopReason | None = Field(description="Why the clock stopped, e.g. accepted or resolved.")
    stop_reason_label: Labels | None = Field(description="Why it stopped, for people, in zh-CN and en.")
    stop_detail: str | None = Field(description="More about the stop, e.g. the refusal's reason code.")

    @classmethod
    def of(cls, deadline: Deadline) -> DeadlineView:
        state = deadline.state
        return cls(
            complaint_no=deadline.complaint_no,
            stage=deadline.stage,
            stage_label=_labels(deadline.stage),
            generation=deadline.generation,
            grade=deadline.grade,
            department=deadline.department,
            department_label=_labels(deadline.department) if deadline.department else None,
            state=state,
            state_label=STATE_LABELS[state],
            started_at=deadline.started_at,
            warn_fraction=deadline.warn_fraction,
            warn_at=deadline.warn_at,
            due_at=deadline.due_at,
            warned_at=deadline.warned_at,
            breached_at=deadline.breached_at,
            escalation_level=deadline.escalation_level,
            escalated_to=deadline.escalated_to,
            stopped_at=deadline.stopped_at,
            stop_reason=deadline.stop_reason,
            stop_reason_label=STOP_REASON_LABELS[deadline.stop_reason] if deadline.stop_reason else None,
            stop_detail=deadline.stop_detail,
        )


class DeadlinePage(BaseModel):
    """A page of SLA clocks, earliest due first."""

    items: list[DeadlineView] = Field(description="The clocks on this page, by due_at.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class ComplaintDeadlines(BaseModel):
    """Every SLA clock of one complaint."""

    complaint_no: str = Field(description="The complaint's number.")
    items: list[DeadlineView] = Field(description="Its clocks, in the order they started.")


def encode_cursor(deadline: Deadline) -> str:
    raw = json.dumps(
        [deadline.due_at.isoformat(), deadline.complaint_no, deadline.stage.value, deadline.generation]
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(value: str) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        due, no, stage, generation = json.loads(raw)
        cursor = Cursor(datetime.fromisoformat(due), str(no), SlaStage(stage).value, int(generation))
        if cursor.due_at.tzinfo is None:
            raise ValueError("naive")
        return cursor
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise HTTPException(
            422,
            detail={
                "error": "invalid_cursor",
                "message": "cursor is not one this service returned; start again without it",
                "errors": [{"field": "cursor", "type": "invalid_cursor", "message": "unrecognised cursor"}],
            },
        ) from None


Reader = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR, Role.AGENT)]


def deadlines_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["deadlines"])

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
        stage: Annotated[SlaStage | None, Query(description="first_response or resolution.")] = None,
        department: Annotated[
            str | None, Query(min_length=1, description="Only this department's clocks.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="Page size, 1 to 500.")] = 100,
        cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
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
        description="404 for a complaint that does not exist, and for agents of other departments.",
    )
    async def complaint_deadlines(
        principal: Reader,
        complaint_no: Annotated[str, Path(min_length=1, max_length=200, description="The complaint number.")],
    ) -> ComplaintDeadlines:
        state, _ = await load(runtime.store, complaint_no)
        if not state.exists or not principal.sees_department(state.department):
            raise not_found(complaint_no)
        async with runtime.engine.connect() as conn:
            rows = await repository.for_complaint(conn, complaint_no)
        return ComplaintDeadlines(complaint_no=complaint_no, items=[DeadlineView.of(row) for row in rows])

    return router
