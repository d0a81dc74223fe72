"""HTTP API of the KPIs, the backlog by age, the at-risk list, service volume and the dictionary.

Same rules as complaints/api.py: a bearer token is needed, agents see their own department only (their
figures are computed over it alone), channels read nothing. Service volume is reported by
operators, supervisors and admins.

(No ``from __future__ import annotations``: FastAPI evaluates the routes' annotations.)
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from services.analytics.bounds import Day
from services.analytics.complaints.models import Label
from services.analytics.complaints.views import both, complaint_view, department_label, labelled
from services.analytics.dependencies import Config, Kpis, Targets, Zone
from services.analytics.filters import ERRORS, Reader, ReaderFilters, Reporter, local_range
from services.analytics.kpis.models import (
    Backlog,
    BacklogBucket,
    BacklogRow,
    Dictionary,
    DictionaryEntry,
    KpiReport,
    KpiSlice,
    KpiValue,
    RiskItem,
    RiskList,
    ServiceVolumeAccepted,
    ServiceVolumeReport,
)
from services.analytics.kpis.queries import KpiQuery, SliceRow, measure_nothing, target_verdict
from services.analytics.kpis.targets import KPI_LABELS, KPI_UNITS, Kpi, Target
from services.analytics.labels import EVENT_TITLES
from services.analytics.reports.api import router as reports_router
from shared.complaints import DEPARTMENTS, Category, Channel, Grade, Status
from shared.service.dependencies import CurrentClock

RISK_LABELS = {
    "breached": Label(zh_cn="已超时", en="Breached"),
    "at_risk": Label(zh_cn="临近超时", en="At risk"),
}


def _bucket_labels(edges: list[int]) -> list[tuple[str, Label]]:
    def h(hours: int) -> tuple[str, str]:
        return (f"{hours // 24}天", f"{hours // 24}d") if hours % 24 == 0 else (f"{hours}小时", f"{hours}h")

    result: list[tuple[str, Label]] = []
    lower: int | None = None
    for edge in edges:
        zh, en = h(edge)
        if lower is None:
            result.append((f"lt_{edge}h", Label(zh_cn=f"<{zh}", en=f"<{en}")))
        else:
            lzh, len_ = h(lower)
            result.append((f"{lower}h_{edge}h", Label(zh_cn=f"{lzh}–{zh}", en=f"{len_}–{en}")))
        lower = edge
    zh, en = h(edges[-1])
    result.append((f"ge_{edges[-1]}h", Label(zh_cn=f"≥{zh}", en=f"≥{en}")))
    return result


def _group_label(by: str | None, code: str | None) -> Label | None:
    if by is None:
        return None
    if code is None:
        return department_label(None)
    kinds: dict[str, type[Channel] | type[Category] | type[Grade]] = {
        "channel": Channel,
        "category": Category,
        "grade": Grade,
    }
    kind = kinds.get(by)
    if kind is not None:
        try:
            return labelled(kind(code))
        except ValueError:
            return Label(zh_cn=code, en=code)
    return department_label(code)


def _slice(row: SliceRow, by: str | None, targets: Mapping[Kpi, Target]) -> KpiSlice:
    values = []
    for measured in row.kpis:
        target, verdict = target_verdict(measured, targets)
        values.append(
            KpiValue(
                code=measured.code.value,
                label=both(KPI_LABELS[measured.code]),
                unit=KPI_UNITS[measured.code].value,
                value=measured.value,
                numerator=measured.numerator,
                denominator=measured.denominator,
                target=target.value,
                direction=target.direction.value,
                rag=verdict,
            )
        )
    return KpiSlice(
        period=row.period,
        group=row.group,
        group_label=_group_label(by, row.group),
        received=row.received,
        valid=row.valid,
        kpis=values,
    )


def _backlog(
    rows: Sequence[Mapping[str, Any]],
    buckets: list[tuple[str, Label]],
    now: datetime,
    scope_department: str | None,
) -> Backlog:
    """The backlog's rows (department × age bucket) as totals per department and overall."""
    per_department: dict[str | None, dict[str, Any]] = {}
    overall = [0] * len(buckets)
    for row in rows:
        entry = per_department.setdefault(
            row["department"], {"total": 0, "oldest": 0.0, "buckets": [0] * len(buckets)}
        )
        index = min(int(row["bucket"]), len(buckets) - 1)
        entry["buckets"][index] += int(row["n"])
        overall[index] += int(row["n"])
        entry["total"] += int(row["n"])
        entry["oldest"] = max(entry["oldest"], float(row["oldest"]))
    departments = [
        BacklogRow(
            department=code,
            label=department_label(code),
            total=entry["total"],
            oldest_hours=round(entry["oldest"], 2),
            buckets=[
                BacklogBucket(code=b_code, label=b_label, count=count)
                for (b_code, b_label), count in zip(buckets, entry["buckets"], strict=True)
            ],
        )
        for code, entry in sorted(
            per_department.items(), key=lambda item: (-item[1]["total"], item[0] is None, item[0] or "")
        )
    ]
    return Backlog(
        as_of=now,
        department_scope=scope_department,
        total=sum(overall),
        buckets=[
            BacklogBucket(code=b_code, label=b_label, count=count)
            for (b_code, b_label), count in zip(buckets, overall, strict=True)
        ],
        departments=departments,
    )


router = APIRouter(prefix="/v1", tags=["KPIs and dashboard"])


@router.get(
    "/kpis",
    summary="KPIs of the complaints received in a local date range, per period and in total",
    response_model=KpiReport,
    responses={**ERRORS, 422: {"description": "A parameter is invalid, or the range is."}},
)
async def get_kpis(
    filters: ReaderFilters,
    kpis: Kpis,
    config: Config,
    targets: Targets,
    clock: CurrentClock,
    zone: Zone,
    granularity: Annotated[
        Literal["day", "week", "month"], Query(description="Period length of the series.")
    ] = "day",
    date_from: Annotated[
        Day | None,
        Query(
            alias="from",
            description="First local day, 2000-01-01 to 2099-12-31 (default: 29 days before `to`).",
        ),
    ] = None,
    date_to: Annotated[
        Day | None, Query(alias="to", description="Last local day (default: today).")
    ] = None,
    by: Annotated[
        Literal["channel", "category", "department", "grade"] | None,
        Query(description="Slice every period by this dimension too."),
    ] = None,
) -> KpiReport:
    today = clock.now().astimezone(zone).date()
    first, last = local_range(date_from, date_to, 29, today, config.kpi_max_days)
    query = KpiQuery(granularity, first, last, by, filters)
    totals, series = await kpis.slices(query)
    if not totals and by is None:
        totals = [SliceRow(None, None, 0, 0, measure_nothing())]
    return KpiReport(
        granularity=granularity,
        date_from=first,
        date_to=last,
        by=by,
        department_scope=filters.scope_department,
        totals=[_slice(row, by, targets) for row in totals],
        series=[_slice(row, by, targets) for row in series],
    )


@router.get(
    "/backlog",
    summary="Open complaints by department and age",
    response_model=Backlog,
    responses=ERRORS,
)
async def get_backlog(filters: ReaderFilters, kpis: Kpis, config: Config, clock: CurrentClock) -> Backlog:
    now = clock.now()
    edges = sorted(config.backlog_age_edges_hours)
    rows = await kpis.backlog(filters, now, edges)
    return _backlog(rows, _bucket_labels(edges), now, filters.scope_department)


@router.get(
    "/at-risk",
    summary="Open complaints with a time limit warning or breach",
    response_model=RiskList,
    responses=ERRORS,
)
async def get_at_risk(
    filters: ReaderFilters,
    kpis: Kpis,
    zone: Zone,
    limit: Annotated[int, Query(ge=1, le=500, description="Most complaints returned.")] = 50,
) -> RiskList:
    rows, total = await kpis.at_risk(filters, limit)
    items = []
    for row in rows:
        risk = "breached" if row["sla_breaches"] > 0 else "at_risk"
        items.append(
            RiskItem(risk=risk, risk_label=RISK_LABELS[risk], complaint=complaint_view(row, zone))
        )
    return RiskList(items=items, total=total)


@router.put(
    "/service-volume",
    summary="Report service volume per local day and channel (the complaint rate's denominator)",
    response_model=ServiceVolumeAccepted,
    responses={**ERRORS, 403: {"description": "Only operators, supervisors and admins report volume."}},
)
async def put_service_volume(
    principal: Reporter, body: ServiceVolumeReport, kpis: Kpis, clock: CurrentClock
) -> ServiceVolumeAccepted:
    entries = []
    for entry in body.entries:
        try:
            Channel(entry.channel)
        except ValueError:
            raise HTTPException(
                422,
                detail={
                    "error": "unknown_channel",
                    "message": f"unknown channel {entry.channel!r}",
                    "message_zh": f"未知的受理渠道 {entry.channel!r}",
                },
            ) from None
        entries.append((entry.day, entry.channel, entry.volume))
    stored = await kpis.store_volume(entries, principal.subject, clock.now())
    return ServiceVolumeAccepted(stored=stored)


@router.get(
    "/dictionary",
    summary="Every code the dashboard shows or filters on, with zh-CN and en labels",
    response_model=Dictionary,
    responses=ERRORS,
)
async def get_dictionary(principal: Reader) -> Dictionary:
    def enum_entries(kind: Any) -> list[DictionaryEntry]:
        return [DictionaryEntry(code=m.value, label=labelled(m)) for m in kind]

    return Dictionary(
        channels=enum_entries(Channel),
        categories=enum_entries(Category),
        grades=enum_entries(Grade),
        statuses=enum_entries(Status),
        departments=[
            DictionaryEntry(code=code, label=both(names)) for code, names in DEPARTMENTS.items()
        ],
        kpis=[DictionaryEntry(code=k.value, label=both(KPI_LABELS[k])) for k in Kpi],
        event_types=[DictionaryEntry(code=t, label=both(names)) for t, names in EVENT_TITLES.items()],
    )


router.include_router(reports_router)
