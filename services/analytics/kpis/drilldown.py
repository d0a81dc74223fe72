"""GET /v1/kpis/{kpi}/complaints: the complaints behind a KPI tile.

A KPI is a ratio (or a median, an average) over the cohort of complaints received in a local
date range; this lists the cohort's complaints the figure counts (its denominator) and says of
each whether it is in the numerator, with the same filters and the same SQL conditions as
GET /v1/kpis (services/analytics/kpis/queries.py), so the list always adds up to the tile.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.bounds import Day
from services.analytics.complaints.api import DEFAULT_MAX_PAGE_SIZE, too_large_page
from services.analytics.complaints.models import ComplaintView
from services.analytics.complaints.queries import Filters
from services.analytics.complaints.rows import COMPLAINT_COLUMNS
from services.analytics.complaints.views import both, complaint_view
from services.analytics.dependencies import Complaints, Config, Zone
from services.analytics.filters import ERRORS, Reader, ReaderFilters, local_range
from services.analytics.kpis.queries import (
    BREACHED_EIGHT_D,
    BREACHED_RESOLUTION,
    BREACHED_RESPONSE,
    EIGHT_D_CLOSED,
    HANDLING_HOURS,
    RESOLVED_ONCE,
    VALID,
    local_start,
)
from services.analytics.kpis.targets import KPI_LABELS, Kpi
from services.analytics.privacy import personal_data
from shared.complaints.values import Label
from shared.service.dependencies import CurrentClock


@dataclass(frozen=True)
class Cohort:
    """Which complaints of the range a KPI counts, which of them are its numerator, and how
    each side is called for people (None: the figure has no numerator of complaints)."""

    counted: str
    numerator: str | None = None
    yes: Label | None = None
    no: Label | None = None
    value: str | None = None
    """The complaint's own contribution to a median or an average, when the KPI is one."""


_l = Label.of


COHORTS: dict[Kpi, Cohort] = {
    Kpi.RESPONSE_TIMELINESS: Cohort(
        f"{VALID} AND (first_response_at IS NOT NULL OR {BREACHED_RESPONSE})",
        f"first_response_at IS NOT NULL AND NOT {BREACHED_RESPONSE}",
        _l("按时响应", "Responded in time"),
        _l("响应超时", "Response late"),
    ),
    Kpi.FIRST_CONTACT_RESOLUTION: Cohort(
        "status = 'closed'",
        "reopen_count = 0",
        _l("一次解决", "Resolved first time"),
        _l("曾重新处理", "Reopened before closing"),
    ),
    Kpi.TIMELY_HANDLING: Cohort(
        f"{VALID} AND ({RESOLVED_ONCE} OR {BREACHED_RESOLUTION})",
        f"{RESOLVED_ONCE} AND NOT {BREACHED_RESOLUTION}",
        _l("按时处理", "Handled in time"),
        _l("处理超时", "Handling late"),
    ),
    Kpi.SATISFACTION: Cohort("feedback_score IS NOT NULL", value="feedback_score::float"),
    Kpi.EMPLOYEE_SATISFACTION: Cohort(
        "feedback_score IS NOT NULL AND complainant_kind = 'employee'", value="feedback_score::float"
    ),
    Kpi.COMPLAINT_RATE: Cohort(VALID),
    Kpi.FORMAL_RESOLUTION: Cohort(
        f"{VALID} AND status <> 'withdrawn'",
        "status = 'closed'",
        _l("已办结", "Closed"),
        _l("未办结", "Not closed"),
    ),
    Kpi.SLA_BREACH_RATE: Cohort(
        VALID, "sla_breaches > 0", _l("有超时", "Breached"), _l("无超时", "No breach")
    ),
    Kpi.REOPEN_RATE: Cohort(
        f"{VALID} AND {RESOLVED_ONCE}",
        "reopen_count > 0",
        _l("曾重新处理", "Reopened"),
        _l("未重新处理", "Not reopened"),
    ),
    Kpi.HANDLING_TIME_MEDIAN: Cohort("status = 'closed'", value=HANDLING_HOURS),
    Kpi.HANDLING_TIME_P90: Cohort("status = 'closed'", value=HANDLING_HOURS),
    Kpi.EIGHT_D_ON_TIME: Cohort(
        f"({EIGHT_D_CLOSED} OR {BREACHED_EIGHT_D})",
        f"{EIGHT_D_CLOSED} AND NOT {BREACHED_EIGHT_D}",
        _l("8D 按时结案", "8D closed in time"),
        _l("8D 超时", "8D late"),
    ),
}


class KpiComplaint(BaseModel):
    """One complaint a KPI counts."""

    complaint: ComplaintView = Field(description="The complaint (personal data as the caller may see it).")
    in_numerator: bool | None = Field(
        description="Whether it counts in the figure's numerator (e.g. responded in time); null for "
        "the KPIs that are an average, a median or a rate over service volume."
    )
    outcome_label: Label | None = Field(description="What in_numerator means for this KPI, for people.")
    value: float | None = Field(
        description="Its own part in an average or a median: handling hours for the handling-time KPIs, "
        "the feedback score (1–5) for satisfaction; null for the other KPIs."
    )


class KpiComplaintPage(BaseModel):
    """One page of the complaints behind a KPI, newest received first."""

    kpi: Kpi = Field(description="The KPI's code.")
    label: Label = Field(description="The KPI's name.")
    date_from: str = Field(description="First local day of the range (received on or after).")
    date_to: str = Field(description="Last local day of the range.")
    part: Literal["all", "numerator", "rest"] = Field(
        description="Which of the counted complaints are listed."
    )
    counted: int = Field(description="Complaints the KPI counts over the range (its denominator).")
    numerator: int | None = Field(description="Of these, the ones in its numerator; null when it has none.")
    items: list[KpiComplaint] = Field(description="The complaints on this page.")
    page: int = Field(description="1-based page number.")
    page_size: int = Field(description="Most items per page.")
    total: int = Field(description="Complaints listed on all pages (the counted ones of `part`).")


@dataclass(frozen=True)
class Listing:
    cohort: Cohort
    part: str
    page: int
    page_size: int


async def _read(
    engine: AsyncEngine, listing: Listing, filters: Filters, start: datetime, end: datetime
) -> tuple[Row[Any], list[dict[str, Any]]]:
    """(counted, numerator and listed counts; the page's rows with in_numerator and kpi_value)."""
    cohort = listing.cohort
    where, params = filters.where()
    numerator = cohort.numerator or "FALSE"
    listed = {"all": "TRUE", "numerator": numerator, "rest": f"NOT ({numerator})"}[listing.part]
    base = (
        "FROM analytics_complaints WHERE received_at >= :start AND received_at < :end "
        f"AND {where} AND ({cohort.counted})"
    )
    params = {
        **params,
        "start": start,
        "end": end,
        "limit": listing.page_size,
        "offset": (listing.page - 1) * listing.page_size,
    }
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ")
        counts = (
            await conn.execute(
                text(
                    f"SELECT count(*) AS counted, count(*) FILTER (WHERE {numerator}) AS numerator, "
                    f"count(*) FILTER (WHERE {listed}) AS listed {base}"
                ),
                params,
            )
        ).one()
        rows = (
            (
                await conn.execute(
                    text(
                        f"SELECT {', '.join(COMPLAINT_COLUMNS)}, ({numerator}) AS in_numerator, "
                        f"{cohort.value or 'NULL::float'} AS kpi_value {base} AND {listed} "
                        "ORDER BY received_at DESC, complaint_no DESC LIMIT :limit OFFSET :offset"
                    ),
                    params,
                )
            )
            .mappings()
            .all()
        )
    return counts, [dict(row) for row in rows]


def _item(row: dict[str, Any], cohort: Cohort, zone: ZoneInfo, personal: Any) -> KpiComplaint:
    inside = bool(row["in_numerator"]) if cohort.numerator else None
    return KpiComplaint(
        complaint=complaint_view(row, zone, personal),
        in_numerator=inside,
        outcome_label=None if inside is None else (cohort.yes if inside else cohort.no),
        value=None if row["kpi_value"] is None else round(float(row["kpi_value"]), 2),
    )


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/kpis/{kpi}/complaints",
    summary="The complaints behind a KPI: those it counts, and whether each is in its numerator",
    response_model=KpiComplaintPage,
    responses={**ERRORS, 422: {"description": "A parameter is invalid, or the range is."}},
)
async def kpi_complaints(
    principal: Reader,
    kpi: Kpi,
    filters: ReaderFilters,
    read_model: Complaints,
    zone: Zone,
    config: Config,
    clock: CurrentClock,
    date_from: Annotated[
        Day | None,
        Query(alias="from", description="First local day (default: 29 days before `to`), as GET /v1/kpis."),
    ] = None,
    date_to: Annotated[Day | None, Query(alias="to", description="Last local day (default: today).")] = None,
    part: Annotated[
        Literal["all", "numerator", "rest"],
        Query(description="all counted complaints, only the numerator's, or only the rest."),
    ] = "all",
    page: Annotated[int, Query(ge=1, le=1_000_000, description="1-based page number.")] = 1,
    # the most is TOUSU_ANALYTICS_MAX_PAGE_SIZE, checked below, as GET /v1/complaints does
    page_size: Annotated[
        int,
        Query(ge=1, description="Complaints per page.", json_schema_extra={"maximum": DEFAULT_MAX_PAGE_SIZE}),
    ] = 20,
) -> KpiComplaintPage:
    if page_size > config.max_page_size:
        raise too_large_page(page_size, config.max_page_size)
    today = clock.now().astimezone(zone).date()
    first, last = local_range(date_from, date_to, 29, today, config.kpi_max_days)
    cohort = COHORTS[kpi]
    listed = Listing(cohort, part, page, page_size)
    counts, rows = await _read(
        read_model.engine,
        listed,
        filters,
        local_start(first, zone),
        local_start(last + timedelta(days=1), zone),
    )
    personal = await personal_data(read_model.engine, rows, principal.role)
    items = [_item(row, cohort, zone, personal[row["complaint_no"]]) for row in rows]
    return KpiComplaintPage(
        kpi=kpi,
        label=both(KPI_LABELS[kpi]),
        date_from=first.isoformat(),
        date_to=last.isoformat(),
        part=part,
        counted=int(counts.counted),
        numerator=int(counts.numerator) if cohort.numerator else None,
        items=items,
        page=page,
        page_size=page_size,
        total=int(counts.listed),
    )
