"""The feedback API: the revisit list, and recording what the complainant said.

GET  /v1/revisits                          customer-service agents, supervisors, operators
                                           (with whom to call: in full, operators masked)
POST /v1/complaints/{no}/feedback          customer-service agents, supervisors
(admins may do everything; agents of other departments get 403). Customer service revisits
every department's complaints, so its agents see every complaint here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse

from services.feedback import handlers
from services.feedback.contacts import contacts
from services.feedback.queries import revisits
from services.feedback.schemas import (
    LABELS,
    FeedbackRequest,
    Revisit,
    RevisitOutcome,
    RevisitPage,
    RevisitStatus,
)
from shared.complaints.commands import GiveFeedback
from shared.complaints.values import Lang, UtcDatetime, label
from shared.events import Role
from shared.eventstore.complaint_handling import ComplaintNotFound
from shared.privacy.reveal import PersonalDataView
from shared.service.auth import Principal, require
from shared.service.complaint_commands import (
    CommandRefused,
    CommandResult,
    CommandUnitOfWork,
    ComplaintNoPath,
    not_found,
    outcome_response,
)
from shared.service.dependencies import CurrentClock, CurrentRuntime, state_dependency
from shared.service.error_responses import error_responses

AUTH_RESPONSES = error_responses(described={403: "Not customer service, a supervisor or an admin."})


RevisitDepartment = Annotated[str, Depends(state_dependency("revisit_department"))]
"""The department that works revisits (``app.state.revisit_department``)."""


def revisit_staff(*roles: Role) -> Any:
    """Dependency: the caller holds one of ``roles`` (admin always), and an agent belongs to
    the department that works revisits."""

    allowed = require(*roles)

    def check(department: RevisitDepartment, principal: Principal = allowed) -> Principal:  # type: ignore[assignment]
        if principal.role is Role.AGENT and principal.department != department:
            raise HTTPException(
                403,
                detail={
                    "error": "forbidden",
                    "message": f"only agents of {department} work revisits, "
                    f"not agents of {principal.department}",
                },
            )
        return principal

    return Depends(check)


READERS = revisit_staff(Role.AGENT, Role.SUPERVISOR, Role.OPERATOR)
RECORDERS = revisit_staff(Role.AGENT, Role.SUPERVISOR)

router = APIRouter(prefix="/v1", tags=["feedback"])


@router.get(
    "/revisits",
    response_model=RevisitPage,
    summary="The revisit list (回访清单), earliest due first",
    responses=AUTH_RESPONSES,
)
async def list_revisits(
    runtime: CurrentRuntime,
    principal: Principal = READERS,
    due_before: Annotated[
        UtcDatetime | None,
        Query(description="Only revisits due before this instant (ISO-8601 with a time zone)."),
    ] = None,
    status: Annotated[
        list[RevisitStatus] | None,
        Query(description="pending (default) and/or done; repeat the parameter."),
    ] = None,
    department: Annotated[
        str | None, Query(max_length=64, description="Only complaints resolved by this department.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=200, description="Items per page.")] = 50,
    lang: Annotated[Lang, Query(description="Language of the labels: zh-CN or en.")] = "zh-CN",
) -> RevisitPage:
    statuses = sorted(set(status)) if status else [RevisitStatus.PENDING]
    async with runtime.engine.connect() as conn:
        total, rows = await revisits(
            conn,
            statuses=[s.value for s in statuses],
            due_before=due_before,
            department=department,
            page=page,
            page_size=page_size,
        )
        people = await contacts(conn, [row["complaint_no"] for row in rows], principal.role)
    now = runtime.clock.now()
    return RevisitPage(
        status=statuses,
        due_before=due_before,
        page=page,
        page_size=page_size,
        total=total,
        items=[_item(row, lang, now, people.get(row["complaint_no"])) for row in rows],
    )


@router.post(
    "/complaints/{complaint_no}/feedback",
    response_model=CommandResult,
    summary="Record the complainant's feedback (回访结果)",
    description="Satisfied (or not satisfied but accepting the solution): the complaint is closed "
    "(with an open 8D case, once D8 is recorded as well: docs/8d.md). "
    "Dissatisfied: it is reopened and goes back to its department.",
    responses={
        **AUTH_RESPONSES,
        **error_responses(
            described={
                404: "No such complaint.",
                409: "Not resolved yet, or already closed.",
                422: "Invalid body (e.g. score not 1–5); `errors` lists each field.",
            },
            models={409: CommandRefused},
        ),
    },
)
async def give_feedback(
    complaint_no: ComplaintNoPath,
    body: FeedbackRequest,
    uow: CommandUnitOfWork,
    clock: CurrentClock,
    principal: Principal = RECORDERS,
) -> JSONResponse:
    command = GiveFeedback(
        actor=principal.actor,
        at=clock.now(),
        satisfied=body.satisfied,
        score=body.score,
        comment=body.comment or None,
        acknowledged=body.acknowledged,
        channel=body.channel,
    )
    try:
        outcome = await handlers.give_feedback(uow, clock, complaint_no, command)
    except ComplaintNotFound:
        raise not_found(complaint_no) from None
    return outcome_response(outcome)


def _item(row: dict[str, Any], lang: Lang, now: datetime, person: PersonalDataView | None) -> Revisit:
    status = RevisitStatus(row["status"])
    outcome = RevisitOutcome(row["outcome"]) if row["outcome"] else None
    return Revisit(
        complaint_no=row["complaint_no"],
        department=row["department"],
        department_label=label(row["department"], lang),
        due_at=row["due_at"],
        overdue=status is RevisitStatus.PENDING and row["due_at"] < now,
        status=status,
        status_label=LABELS[status][lang],
        scheduled_at=row["scheduled_at"],
        completed_at=row["completed_at"],
        outcome=outcome,
        outcome_label=LABELS[outcome][lang] if outcome else None,
        score=row["score"],
        rounds=row["rounds"],
        stream_version=row["stream_version"],
        complainant=person,
    )
