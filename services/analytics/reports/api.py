"""GET /v1/reports/monthly: the month's report as CSV or PDF (operators, supervisors, admins).

Only the operators' variant carries the staff scorecards: a report file is passed on (mailed,
printed, shown in meetings) beyond whoever downloaded it, and named people's ratings should not
travel with it; operators run the appraisal and take them out of the file on purpose. Everyone
else reads staff scorecards in the API and dashboard, where each sees only whom they may.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from services.analytics.bounds import MONTH_PATTERN
from services.analytics.dependencies import (
    Kpis,
    ReportCooperationFigures,
    ReportEightD,
    ReportRisk,
    ReportScorecards,
    ReportStaffCards,
    Targets,
)
from services.analytics.filters import ERRORS, Reporter
from services.analytics.reports.monthly import monthly_report, report_csv
from services.analytics.reports.pdf import FontUnavailable, report_pdf
from shared.events import Role

# mounted under /v1 by the KPI router (kpis/api.py), whose tag it repeats
router = APIRouter(tags=["KPIs and dashboard"])


@router.get(
    "/reports/monthly",
    summary="The monthly report: KPIs, departments, categories, daily volume, scorecards, risk flags, "
    "co-operations, 8D",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "description": "`text/csv` (UTF-8 with BOM; columns in docs/kpis.md) or `application/pdf`.",
            "content": {"text/csv": {}, "application/pdf": {}},
        },
        403: {"description": "Only operators, supervisors and admins read the report."},
        503: {"description": "`report_font_missing`: no CJK font for the PDF on this host."},
    },
)
async def get_monthly_report(
    principal: Reporter,
    kpis: Kpis,
    targets: Targets,
    scorecards: ReportScorecards,
    staff: ReportStaffCards,
    risk: ReportRisk,
    cooperation: ReportCooperationFigures,
    eight_d: ReportEightD,
    month: Annotated[
        str,
        Query(pattern=MONTH_PATTERN, description="Local calendar month, YYYY-MM (2000-01 to 2099-12)."),
    ],
    format: Annotated[Literal["csv", "pdf"], Query(description="csv or pdf.")] = "csv",
) -> Response:
    with_staff = staff if principal.role is Role.OPERATOR else None
    report = await monthly_report(kpis, month, targets, scorecards, with_staff, risk, cooperation, eight_d)
    name = f"tousu-report-{month}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(report_csv(report), media_type="text/csv; charset=utf-8", headers=headers)
    try:
        body = await asyncio.to_thread(report_pdf, report)
    except FontUnavailable as missing:
        raise HTTPException(
            503,
            detail={
                "error": "report_font_missing",
                "message": f"no CJK font for the PDF report at {missing}; set "
                "TOUSU_ANALYTICS_REPORT_FONT to bundled (reinstall tousu if it is missing), system "
                "(with fonts-noto-cjk installed) or a font file",
                "message_zh": "缺少中文字体，无法生成 PDF 报告；请将 TOUSU_ANALYTICS_REPORT_FONT 设为 "
                "bundled（缺失时请重新安装 tousu）、system（需安装 fonts-noto-cjk）或字体文件路径",
            },
        ) from None
    return Response(body, media_type="application/pdf", headers=headers)
