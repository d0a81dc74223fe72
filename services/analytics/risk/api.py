"""GET /v1/risk-flags: the complaints flagged as a reputational risk (舆情风险), for the
public-relations owner, with filters and paging; GET /v1/risk-flags/{no}: one of them with its
timeline.

Least privilege: the PR owner reads these two and nothing else of analytics (every other read
model requires another role), only complaints that were flagged, and the complainant's personal
data masked (张*, 138****5678). Supervisors, who clear flags, read them too.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.bounds import Day
from services.analytics.complaints.api import DEFAULT_MAX_PAGE_SIZE, ERROR_BODY, not_found, too_large_page
from services.analytics.complaints.models import ComplaintDetail
from services.analytics.complaints.queries import FINAL
from services.analytics.complaints.timeline_details import RISK_SOURCES
from services.analytics.complaints.views import (
    complaint_view,
    department_label,
    instant,
    labelled,
    timeline_entry,
)
from services.analytics.dependencies import Complaints, Config, Zone, risk_flags
from services.analytics.filters import DepartmentQ
from services.analytics.privacy import personal_data
from services.analytics.risk.models import RiskFlagDetail, RiskFlagPage, RiskFlagView, RiskNote
from services.analytics.risk.queries import FlagState, RiskFilters, RiskFlags
from shared.complaints import COMPLAINT_EVENTS, Channel, Grade, Status
from shared.complaints.stages.risk import ComplaintRiskFlagCleared, ComplaintRiskFlagged, RiskSource
from shared.complaints.values import Label
from shared.events import Role
from shared.eventstore import PostgresEventStore
from shared.service.auth import Principal, require
from shared.service.complaint_commands import ComplaintNoPath
from shared.service.error_responses import error_responses

PrReader = Annotated[Principal, require(Role.PR_OWNER, Role.SUPERVISOR)]
Flags = Annotated[RiskFlags, Depends(risk_flags)]
ERRORS = error_responses(described={403: "Only the public-relations owner and supervisors read risk flags."})

RuleQ = Annotated[list[str] | None, Query(description="Only flags by these rules (repeatable).")]
SourceQ = Annotated[
    list[RiskSource] | None, Query(description="Only flags by the rules (auto) or staff (manual).")
]
FromQ = Annotated[
    Day | None, Query(description="Last flagged on or after this local day (2000-01-01 to 2099-12-31).")
]
ToQ = Annotated[
    Day | None, Query(description="Last flagged on or before this local day (2000-01-01 to 2099-12-31).")
]

router = APIRouter(prefix="/v1", tags=["read models"])


def _view(row: Mapping[str, Any], complaint: Mapping[str, Any], zone: ZoneInfo) -> RiskFlagView:
    grade = complaint["grade"]
    sources = [s for s in row["sources"] if s]
    return RiskFlagView(
        complaint_no=row["complaint_no"],
        subject=complaint["subject"],
        status=complaint["status"],
        status_label=labelled(Status(complaint["status"])),
        department=complaint["department"],
        department_label=department_label(complaint["department"]),
        grade=grade,
        grade_label=labelled(Grade(grade)) if grade else None,
        channel=complaint["channel"],
        channel_label=labelled(Channel(complaint["channel"])),
        received_at=instant(complaint["received_at"], zone),
        flagged=row["flagged"],
        rules=list(row["rules"]),
        sources=sources,
        sources_label=[RISK_SOURCES.get(s, Label(zh_cn=s, en=s)) for s in sources],
        first_flagged_at=instant(row["first_flagged_at"], zone),
        last_flagged_at=instant(row["last_flagged_at"], zone),
        cleared_at=instant(row["cleared_at"], zone) if row["cleared_at"] is not None else None,
    )


async def _notes(engine: AsyncEngine, complaint_no: str, zone: ZoneInfo) -> list[RiskNote]:
    """The flags and clears as stored: the reasons people typed are read here, for the roles that
    watch and clear flags, and never copied into a read model."""
    notes = []
    for record in await PostgresEventStore(engine).read_stream(complaint_no):
        if record.type not in (ComplaintRiskFlagged.__name__, ComplaintRiskFlagCleared.__name__):
            continue
        event = COMPLAINT_EVENTS.decode(record)
        assert isinstance(event, ComplaintRiskFlagged | ComplaintRiskFlagCleared)
        notes.append(
            RiskNote(
                stream_version=record.stream_version,
                type=record.type,
                title=type(event).title,
                at=instant(record.occurred_at, zone),
                rules=list(event.rules),
                reason=event.reason,
            )
        )
    return notes


def _local_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return datetime.combine(day, time.min, zone) if day is not None else None


@router.get(
    "/risk-flags",
    summary="Complaints flagged as a reputational risk (舆情风险), most recently flagged first",
    response_model=RiskFlagPage,
    responses=ERRORS,
)
async def list_risk_flags(
    principal: PrReader,
    flags: Flags,
    zone: Zone,
    config: Config,
    department: DepartmentQ = None,
    state: Annotated[FlagState, Query(description="flagged (now, the default), cleared, or all.")] = (
        FlagState.FLAGGED
    ),
    rule: RuleQ = None,
    source: SourceQ = None,
    open_only: Annotated[bool, Query(description="Only complaints still open.")] = False,
    flagged_from: FromQ = None,
    flagged_to: ToQ = None,
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number.")] = 1,
    page_size: Annotated[
        int,
        Query(ge=1, description="Complaints per page.", json_schema_extra={"maximum": DEFAULT_MAX_PAGE_SIZE}),
    ] = 20,
) -> RiskFlagPage:
    if page_size > config.max_page_size:
        raise too_large_page(page_size, config.max_page_size)
    before = _local_start(flagged_to, zone)
    wanted = RiskFilters(
        state=state,
        rules=rule or (),
        sources=[str(s) for s in source or ()],
        departments=department or (),
        open_only=open_only,
        flagged_from=_local_start(flagged_from, zone),
        flagged_before=before + timedelta(days=1) if before is not None else None,
        final_statuses=list(FINAL),
    )
    rows, total = await flags.page(wanted, page, page_size)
    return RiskFlagPage(
        items=[_view(row, row, zone) for row in rows], page=page, page_size=page_size, total=total
    )


@router.get(
    "/risk-flags/{complaint_no}",
    summary="A flagged complaint with its flags and timeline (personal data masked for the PR owner)",
    response_model=RiskFlagDetail,
    responses={**ERRORS, 404: {"description": "No such complaint, or it was never flagged.", **ERROR_BODY}},
)
async def get_risk_flag(
    principal: PrReader, complaint_no: ComplaintNoPath, flags: Flags, read_model: Complaints, zone: Zone
) -> RiskFlagDetail:
    found = await read_model.complaint(complaint_no)
    row = await flags.flags_of(complaint_no) if found is not None else None
    if found is None or row is None:
        raise not_found(complaint_no)
    complaint, timeline = found
    personal = await personal_data(read_model.engine, [complaint], principal.role)
    return RiskFlagDetail(
        flags=_view(row, complaint, zone),
        notes=await _notes(read_model.engine, complaint_no, zone),
        detail=ComplaintDetail(
            complaint=complaint_view(complaint, zone, personal[complaint_no]),
            timeline=[timeline_entry(entry, zone) for entry in timeline],
        ),
    )
