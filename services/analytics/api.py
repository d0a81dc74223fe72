"""HTTP API of the read models: one complaint with its timeline, filtered pages, statistics.

Every endpoint needs a bearer token. Agents see their own department's complaints only (another
department's complaint is 404, not 403, as in every service); supervisors, operators, auditors
and admins see all. Channels read nothing (403). Nothing here writes.

(No ``from __future__ import annotations`` here: FastAPI must evaluate the annotations of the
routes, and the page-size limit comes from the configuration in the enclosing function.)
"""

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Query

from services.analytics.config import AnalyticsConfig
from services.analytics.models import ComplaintDetail, ComplaintPage, Stats
from services.analytics.privacy import personal_data
from services.analytics.repository import Filters, ReadModel
from services.analytics.views import complaint_view, stats_view, timeline_entry
from shared.complaints import Category, Channel, Grade, Status
from shared.events import Role
from shared.service.auth import Principal, require

Reader = Annotated[Principal, require(Role.AGENT, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR)]

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
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or an unknown bearer token."},
    403: {"description": "The caller's role may not read complaints (channels)."},
    422: {"description": "A query parameter is invalid; `errors` names it."},
}


def not_found(complaint_no: str) -> HTTPException:
    return HTTPException(
        404,
        detail={
            "error": "not_found",
            "message": f"no complaint {complaint_no}",
            "message_zh": f"没有编号为 {complaint_no} 的投诉",
        },
    )


def _scope(principal: Principal) -> str | None:
    """The one department an agent may see; None for roles that see all."""
    if principal.role is not Role.AGENT:
        return None
    return principal.department or ""  # an agent without a department (never issued) sees nothing


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
        complaint_no: Annotated[str, Path(description="The complaint number.", max_length=200)],
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
        status: Annotated[list[Status] | None, Query(description="Only these statuses (repeatable).")] = None,
        department: Annotated[
            list[str] | None, Query(description="Only these department codes (repeatable).")
        ] = None,
        channel: Annotated[
            list[Channel] | None, Query(description="Only these channels (repeatable).")
        ] = None,
        category: Annotated[
            list[Category] | None, Query(description="Only these categories (repeatable).")
        ] = None,
        grade: Annotated[list[Grade] | None, Query(description="Only these grades (repeatable).")] = None,
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
        filters = Filters(
            values={
                "status": [s.value for s in status or ()],
                "department": list(department or ()),
                "channel": [c.value for c in channel or ()],
                "category": [c.value for c in category or ()],
                "grade": [g.value for g in grade or ()],
            },
            scope_department=_scope(principal),
            search=q.strip() if q else None,
        )
        rows, total = await read_model.page(filters, page, page_size)
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
        scope = _scope(principal)
        return stats_view(await read_model.counts(scope), scope)

    return router
