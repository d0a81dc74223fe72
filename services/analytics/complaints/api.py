"""HTTP API of the read models: one complaint with its timeline, filtered pages, statistics.

Every endpoint needs a bearer token. Agents see their own department's complaints only (another
department's complaint is 404, not 403, as in every service); supervisors, operators, auditors
and admins see all. Channels read nothing (403). Nothing here writes.

(No ``from __future__ import annotations`` here: FastAPI must evaluate the annotations of the
routes, and the page-size limit comes from the configuration in the enclosing function.)
"""

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query

from services.analytics.complaints.models import ComplaintDetail, ComplaintPage, Stats
from services.analytics.complaints.queries import Filters, ReadModel
from services.analytics.complaints.views import complaint_view, stats_view, timeline_entry
from services.analytics.config import AnalyticsConfig
from services.analytics.filters import Reader, ReaderFilters, department_scope
from services.analytics.privacy import personal_data
from shared.complaints import Status
from shared.service.complaint_commands import ComplaintNoPath
from shared.service.error_responses import error_responses

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
ERRORS = error_responses(described={403: "The caller's role may not read complaints (channels)."})


def not_found(complaint_no: str) -> HTTPException:
    return HTTPException(
        404,
        detail={
            "error": "not_found",
            "message": f"no complaint {complaint_no}",
            "message_zh": f"没有编号为 {complaint_no} 的投诉",
        },
    )


def build_router(read_model: ReadModel, zone: ZoneInfo, config: AnalyticsConfig) -> APIRouter:
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
    ) -> ComplaintDetail:
        found = await read_model.complaint(complaint_no)
        if found is None or not principal.sees_department(found[0]["department"]):
            raise not_found(complaint_no)
        row, timeline = found
        personal = await personal_data(read_model.engine, [row], principal.role)
        return ComplaintDetail(
            complaint=complaint_view(row, zone, personal[complaint_no]),
            timeline=[timeline_entry(entry, zone) for entry in timeline],
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
        status: Annotated[list[Status] | None, Query(description="Only these statuses (repeatable).")] = None,
        q: Annotated[
            str | None,
            Query(
                max_length=200,
                description="Only complaints whose number, subject line or a named product contains "
                "this text (any case).",
            ),
        ] = None,
        page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number.")] = 1,
        page_size: Annotated[
            int, Query(ge=1, le=config.max_page_size, description="Complaints per page.")
        ] = 20,
    ) -> ComplaintPage:
        wanted = Filters(
            values={"status": [s.value for s in status or ()], **filters.values},
            scope_department=filters.scope_department,
            search=q.strip() if q else None,
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
    async def get_stats(principal: Reader) -> Stats:
        scope = department_scope(principal)
        return stats_view(await read_model.counts(scope), scope)

    return router
