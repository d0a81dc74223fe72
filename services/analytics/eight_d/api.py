"""The 8D cases of severe complaints (8D 报告), read side:

GET /v1/8d/cases                              the quality engineer's desk: cases open, closed by D8
                                              or ended without it, oldest first, with the
                                              disciplines recorded and the clocks breached
GET /v1/complaints/{no}/8d/report.pdf?lang=   the 8D report of the complaint's latest case as a
                                              PDF, in Simplified Chinese or English

Quality engineers, supervisors, the director and admins read every department's (operators the
list, not the report, which carries what people typed); agents and department heads their own
department's (another's complaint is 404). The cases are
recorded on the routing service (POST /v1/complaints/{no}/8d/disciplines/{D1..D8}); their due
dates are the SLA service's clocks (GET /v1/complaints/{no}/deadlines). docs/8d.md.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

import asyncio
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query, Response

from services.analytics.complaints.queries import FINAL
from services.analytics.complaints.views import department_label, instant, labelled, maybe_instant
from services.analytics.dependencies import EightDCasesReadModel, Zone
from services.analytics.eight_d.models import EightDCaseItem, EightDCasePage
from services.analytics.eight_d.queries import CaseFilters, CaseState
from services.analytics.eight_d.report import eight_d_report, report_pdf
from services.analytics.reports.pdf import FontUnavailable
from shared.complaints import Category, Grade, Status
from shared.complaints.values import Discipline, EightDTrigger, Label, Lang, SlaStage
from shared.events import Role
from shared.eventstore import PostgresEventStore
from shared.service.auth import DEPARTMENT_SCOPED_ROLES, Principal, require
from shared.service.complaint_commands import ComplaintNoPath, not_found
from shared.service.error_responses import error_responses

Reader = Annotated[
    Principal,
    require(
        Role.QUALITY_ENGINEER,
        Role.SUPERVISOR,
        Role.OPERATOR,
        Role.DIRECTOR,
        Role.AGENT,
        Role.DEPARTMENT_HEAD,
    ),
]

STATE_LABELS = {
    CaseState.OPEN: Label.of("进行中", "Open"),
    CaseState.CLOSED: Label.of("已结案（D8）", "Closed (D8)"),
    CaseState.ENDED: Label.of("投诉已终结，未完成 D8", "Complaint ended before D8"),
}

ReportReader = Annotated[
    Principal,
    require(Role.QUALITY_ENGINEER, Role.SUPERVISOR, Role.DIRECTOR, Role.AGENT, Role.DEPARTMENT_HEAD),
]
"""Who reads the 8D report, with what people typed in it: not operators, who run the system."""

router = APIRouter(prefix="/v1", tags=["8D"])


@router.get(
    "/8d/cases",
    summary="8D cases, oldest opened first (8D 跟踪)",
    response_model=EightDCasePage,
    responses=error_responses(described={403: "The caller's role may not read 8D cases."}),
)
async def list_cases(
    principal: Reader,
    read_model: EightDCasesReadModel,
    zone: Zone,
    state: Annotated[CaseState, Query(description="open, closed, ended or all.")] = CaseState.OPEN,
    department: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only this department.")
    ] = None,
    overdue: Annotated[bool, Query(description="Only cases with a clock that ran out.")] = False,
    limit: Annotated[int, Query(ge=1, le=500, description="Most cases returned.")] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000, description="Cases skipped.")] = 0,
) -> EightDCasePage:
    if principal.role in DEPARTMENT_SCOPED_ROLES:
        if department is not None and department != principal.department:
            return EightDCasePage(items=[], total=0)
        department = principal.department
    filters = CaseFilters(state, department, overdue, tuple(FINAL))
    rows, total = await read_model.page(filters, limit, offset)
    return EightDCasePage(items=[_item(row, zone) for row in rows], total=total)


@router.get(
    "/complaints/{complaint_no}/8d/report.pdf",
    summary="The 8D report of a complaint's latest case, as a PDF (8D 报告)",
    response_class=Response,
    responses={
        **error_responses(
            described={
                403: "The caller's role may not read 8D cases.",
                404: "No such complaint, another department's (agents, heads), or it has no 8D case.",
            }
        ),
        200: {"description": "`application/pdf`.", "content": {"application/pdf": {}}},
        503: {"description": "`report_font_missing`: no CJK font for the PDF on this host."},
    },
)
async def get_report(
    complaint_no: ComplaintNoPath,
    principal: ReportReader,
    read_model: EightDCasesReadModel,
    zone: Zone,
    lang: Annotated[Lang, Query(description="zh-CN or en.")] = "zh-CN",
) -> Response:
    found = await read_model.of_complaint(complaint_no)
    if not found or not principal.sees_department(found[-1]["department"]):
        raise not_found(complaint_no)
    row = found[-1]
    store = PostgresEventStore(read_model.engine)
    report = eight_d_report(row, await store.read_stream(complaint_no), zone, lang)
    try:
        body = await asyncio.to_thread(report_pdf, report)
    except FontUnavailable as missing:
        raise HTTPException(
            503,
            detail={
                "error": "report_font_missing",
                "message": f"no CJK font for the PDF report at {missing}; set TOUSU_ANALYTICS_REPORT_FONT",
                "message_zh": "缺少中文字体，无法生成 PDF 报告；请设置 TOUSU_ANALYTICS_REPORT_FONT",
            },
        ) from None
    name = f"8d-{complaint_no}-{row['case']}-{lang}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def case_state(row: dict[str, Any]) -> CaseState:
    if row["closed_at"] is not None:
        return CaseState.CLOSED
    return CaseState.ENDED if row["status"] in FINAL else CaseState.OPEN


def _item(row: dict[str, Any], zone: ZoneInfo) -> EightDCaseItem:
    recorded = [Discipline(d) for d in row["recorded"]]
    following = next((d for d in Discipline if d not in recorded), None)
    breached = [SlaStage(s) for s in row["breached"]]
    state = case_state(row)
    return EightDCaseItem(
        complaint_no=row["complaint_no"],
        case=row["case"],
        subject=row["subject"],
        status_label=labelled(Status(row["status"])),
        department=row["department"],
        department_label=department_label(row["department"]),
        grade_label=labelled(Grade(row["grade"])),
        category_label=labelled(Category(row["category"])),
        cause=EightDTrigger(row["cause"]),
        cause_label=labelled(EightDTrigger(row["cause"])),
        state=state.value,
        state_label=STATE_LABELS[state],
        opened_at=instant(row["opened_at"], zone),
        closed_at=maybe_instant(row["closed_at"], zone),
        recorded=recorded,
        next_discipline=following if state is CaseState.OPEN else None,
        next_label=labelled(following) if following and state is CaseState.OPEN else None,
        breached=breached,
        breached_labels=[labelled(stage) for stage in breached],
    )
