"""HTTP API of the complaint read model: one complaint with its timeline, filtered pages, statistics.

Every endpoint needs a bearer token. Agents see their own department's complaints only (another
department's complaint is 404, not 403, as in every service); supervisors, operators, auditors
and admins see all. Channels read nothing (403). Nothing here writes.

(No ``from __future__ import annotations`` here: FastAPI must evaluate the annotations of the
routes.)
"""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.exceptions import RequestValidationError

from services.analytics.bounds import Day, local_start
from services.analytics.complaints.cooperations import cooperations, for_cooperator
from services.analytics.complaints.models import ComplaintDetail, ComplaintPage, Stats
from services.analytics.complaints.queries import Filters
from services.analytics.complaints.views import (
    complaint_view,
    cooperation_entry,
    stats_view,
    timeline_entry,
)
from services.analytics.config import AnalyticsConfig
from services.analytics.dependencies import Complaints, Config, Zone
from services.analytics.filters import ERRORS, Reader, ReaderFilters, department_scope, invalid_range
from services.analytics.privacy import personal_data
from shared.complaints import Status
from shared.events import Role
from shared.service.complaint_commands import ComplaintNoPath

ERROR_BODY: dict[str, Any] = {
    "content": {
        "application/json": {
            "example": {
                "error": "not_found",
                "message": "no complaint TS-1",
                "message_zh": "没有编号为 TS-1 的投诉",
            }
        }
    }
}
DEFAULT_MAX_PAGE_SIZE: int = AnalyticsConfig.model_fields["max_page_size"].default


def not_found(complaint_no: str) -> HTTPException:
    return HTTPException(
        404,
        detail={
            "error": "not_found",
            "message": f"no complaint {complaint_no}",
            "message_zh": f"没有编号为 {complaint_no} 的投诉",
        },
    )


def too_large_page(page_size: int, most: int) -> RequestValidationError:
    """The answer to a page larger than TOUSU_ANALYTICS_MAX_PAGE_SIZE, worded as every other
    parameter out of its bounds."""
    return RequestValidationError(
        [
            {
                "type": "less_than_equal",
                "loc": ("query", "page_size"),
                "msg": f"Input should be less than or equal to {most}",
                "input": page_size,
                "ctx": {"le": most},
            }
        ]
    )


router = APIRouter(prefix="/v1", tags=["read models"])


@router.get(
    "/complaints/{complaint_no}",
    summary="A complaint's current state and full timeline",
    response_model=ComplaintDetail,
    responses={
        **ERRORS,
        404: {"description": "No such complaint, or another department's.", **ERROR_BODY},
    },
)
async def get_complaint(
    principal: Reader,
    complaint_no: ComplaintNoPath,
    read_model: Complaints,
    zone: Zone,
) -> ComplaintDetail:
    found = await read_model.complaint(complaint_no)
    if found is None:
        raise not_found(complaint_no)
    row, timeline = found
    records = cooperations(timeline)
    if principal.sees_department(row["department"]):
        viewer = "lead" if principal.role is Role.AGENT else "staff"
    elif any(principal.sees_department(r.department) for r in records):
        # a co-operating department (协同): the complaint, its own part, not the others'
        viewer, own = "cooperating", principal.department or ""
        records = [r for r in records if r.department == own]
        timeline = list(for_cooperator(timeline, own))
    else:
        raise not_found(complaint_no)
    personal = await personal_data(read_model.engine, [row], principal.role)
    return ComplaintDetail(
        complaint=complaint_view(row, zone, personal[complaint_no]),
        timeline=[timeline_entry(entry, zone) for entry in timeline],
        cooperations=[cooperation_entry(record, zone) for record in records],
        viewer_role=viewer,
    )


@router.get(
    "/complaints",
    summary="Complaints, newest received first, filtered and paged",
    response_model=ComplaintPage,
    responses=ERRORS,
)
async def list_complaints(
    principal: Reader,
    filters: ReaderFilters,
    read_model: Complaints,
    zone: Zone,
    config: Config,
    status: Annotated[list[Status] | None, Query(description="Only these statuses (repeatable).")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only complaints whose number, subject line or a named product contains "
            "this text (any case).",
        ),
    ] = None,
    date_from: Annotated[
        Day | None, Query(alias="from", description="Only complaints received on or after this local day.")
    ] = None,
    date_to: Annotated[
        Day | None, Query(alias="to", description="Only complaints received on or before this local day.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number.")] = 1,
    # The most is TOUSU_ANALYTICS_MAX_PAGE_SIZE, checked below: the router is built before any
    # configuration is read, so the schema states the default.
    page_size: Annotated[
        int,
        Query(ge=1, description="Complaints per page.", json_schema_extra={"maximum": DEFAULT_MAX_PAGE_SIZE}),
    ] = 20,
) -> ComplaintPage:
    if page_size > config.max_page_size:
        raise too_large_page(page_size, config.max_page_size)
    if date_from and date_to and date_from > date_to:
        raise invalid_range("`from` is after `to`", "开始日期晚于结束日期")
    wanted = Filters(
        values={"status": [s.value for s in status or ()], **filters.values},
        scope_department=filters.scope_department,
        search=q.strip() if q else None,
        received_from=local_start(date_from, zone) if date_from else None,
        received_before=local_start(date_to + timedelta(days=1), zone) if date_to else None,
    )
    rows, total = await read_model.page(wanted, page, page_size)
    personal = await personal_data(read_model.engine, rows, principal.role)
    return ComplaintPage(
        items=[complaint_view(row, zone, personal[row["complaint_no"]]) for row in rows],
        page=page,
        page_size=page_size,
        total=total,
    )


@router.get(
    "/stats",
    summary="Counts by status, channel, category, grade and department; backlog; SLA breaches",
    response_model=Stats,
    responses=ERRORS,
)
async def get_stats(principal: Reader, read_model: Complaints) -> Stats:
    scope = department_scope(principal)
    return stats_view(await read_model.counts(scope), scope)
