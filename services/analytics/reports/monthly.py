"""The monthly report: one local calendar month's KPIs, per department, per category and per day.

Every figure comes from ``KpiReadModel.slices`` (the SQL behind GET /v1/kpis) with the same
targets and verdicts, so the report's numbers are the dashboard's. Rendered as CSV here and as a
PDF in ``pdf.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.analytics.complaints.queries import Filters
from services.analytics.kpis.queries import (
    KpiQuery,
    KpiReadModel,
    Measured,
    SliceRow,
    measure_nothing,
    target_verdict,
)
from services.analytics.kpis.targets import KPI_LABELS, KPI_UNITS, Kpi, Target
from shared.complaints import DEPARTMENTS, Category, label


@dataclass(frozen=True)
class ReportKpi:
    code: str
    label_zh: str
    label_en: str
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float
    direction: str
    rag: str | None


@dataclass(frozen=True)
class ReportGroup:
    code: str | None
    label_zh: str
    label_en: str
    received: int
    valid: int
    kpis: list[ReportKpi]


@dataclass(frozen=True)
class MonthlyReport:
    month: str
    """YYYY-MM."""
    date_from: date
    date_to: date
    total: ReportGroup
    departments: list[ReportGroup]
    categories: list[ReportGroup]
    """The month's problems by category, most frequent first (high-frequency problems)."""
    days: list[tuple[date, int]]
    """Complaints received per local day, every day of the month."""
    scorecards: list[ReportScorecard] = field(default_factory=list)
    """The month's department scorecards, lowest score first (same figures as GET /v1/scorecards)."""
    staff: list[ReportStaff] = field(default_factory=list)
    """The month's staff scorecards, lowest score first: only in the operators' variant."""
    risk: ReportRisk | None = None
    """Complaints flagged as a reputational risk in the month, in all and by rule."""
    cooperation: list[ReportCooperation] = field(default_factory=list)
    """The month's co-operations (协同) by co-operating department."""
    eight_d: ReportEightD | None = None
    """The month's 8D cases of severe complaints: opened, closed, closed on time, still open."""


@dataclass(frozen=True)
class ReportCooperation:
    """One co-operating department's month (协同): asked, contributed (on time: before any breach of
    its co-operation clocks), waived by a supervisor, and its co-operation clocks breached."""

    code: str
    asked: int
    contributed: int
    on_time: int
    waived: int
    breached: int


CooperationFigures = Callable[[date, date], Awaitable[list[ReportCooperation]]]
"""The co-operations from the first to the last local day of the month; wired in likewise."""


@dataclass(frozen=True)
class ReportRisk:
    flagged: int
    """Complaints flagged in the month (each once, whatever the rules)."""
    by_rule: dict[str, int]
    """Complaints each rule flagged in the month (``manual``: by staff)."""


@dataclass(frozen=True)
class ReportEightD:
    opened: int
    """8D cases opened in the month."""
    closed: int
    """Closed by D8 in the month."""
    closed_on_time: int
    """Of those, closed without a breach of the whole case's clock (a week by default)."""
    containment_late: int
    """Opened in the month, their containment (D3) late."""
    open_at_end: int
    """Opened by the month's end and neither closed nor ended by then."""

    @property
    def on_time_rate(self) -> float | None:
        """Share of the month's closed cases closed on time, in percent; None when none closed."""
        return 100 * self.closed_on_time / self.closed if self.closed else None


EightDFigures = Callable[[date, date], Awaitable[ReportEightD]]
"""The 8D figures from the first to the last local day of the month; wired in likewise."""


@dataclass(frozen=True)
class ReportScorecard:
    code: str | None
    label_zh: str
    label_en: str
    score: float
    deducted: float
    rating: str
    rating_zh: str
    rating_en: str
    disqualified_by: list[str]
    incidents: dict[str, int]


ScorecardSource = Callable[[date], Awaitable[list[ReportScorecard]]]
"""The month's scorecards (first day of the month → cards); wired in by the composition root."""

RiskFigures = Callable[[date, date], Awaitable[ReportRisk]]
"""The complaints flagged from the first to the last local day of the month; wired in likewise."""


@dataclass(frozen=True)
class ReportStaff:
    person: str
    name: str
    """The display name from the tokens file, else the user id."""
    score: float
    deducted: float
    rating: str
    rating_zh: str
    rating_en: str
    disqualified_by_zh: list[str]
    disqualified_by_en: list[str]
    charges: int


StaffSource = Callable[[date], Awaitable[list[ReportStaff]]]
"""The month's staff scorecards (same figures as GET /v1/scorecards/staff)."""


def month_range(month: str) -> tuple[date, date]:
    """First and last local day of ``YYYY-MM`` (validated by the caller's pattern)."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def _kpis(measured: list[Measured], targets: Mapping[Kpi, Target]) -> list[ReportKpi]:
    result = []
    for m in measured:
        target, verdict = target_verdict(m, targets)
        result.append(
            ReportKpi(
                code=m.code.value,
                label_zh=KPI_LABELS[m.code]["zh-CN"],
                label_en=KPI_LABELS[m.code]["en"],
                unit=KPI_UNITS[m.code].value,
                value=m.value,
                numerator=m.numerator,
                denominator=m.denominator,
                target=target.value,
                direction=target.direction.value,
                rag=verdict,
            )
        )
    return result


def _group(row: SliceRow, zh: str, en: str, targets: Mapping[Kpi, Target]) -> ReportGroup:
    return ReportGroup(row.group, zh, en, row.received, row.valid, _kpis(row.kpis, targets))


def _department_names(code: str | None) -> tuple[str, str]:
    if code is None:
        return "未派单", "Not dispatched"
    names = DEPARTMENTS.get(code)
    return (names["zh-CN"], names["en"]) if names else (code, code)


def _category_names(code: str | None) -> tuple[str, str]:
    try:
        category = Category(code or "")
    except ValueError:
        return str(code), str(code)
    return label(category, "zh-CN"), label(category, "en")


async def monthly_report(
    kpis: KpiReadModel,
    month: str,
    targets: Mapping[Kpi, Target],
    scorecards: ScorecardSource | None = None,
    staff: StaffSource | None = None,
    risk: RiskFigures | None = None,
    cooperation: CooperationFigures | None = None,
    eight_d: EightDFigures | None = None,
) -> MonthlyReport:
    """The month's report; with ``staff`` (the operators' variant only) its staff scorecards too."""
    first, last = month_range(month)
    everything = Filters()
    totals, _ = await kpis.slices(KpiQuery("month", first, last, None, everything))
    total_row = totals[0] if totals else SliceRow(None, None, 0, 0, measure_nothing())
    by_department, _ = await kpis.slices(KpiQuery("month", first, last, "department", everything))
    by_category, _ = await kpis.slices(KpiQuery("month", first, last, "category", everything))
    _, daily = await kpis.slices(KpiQuery("day", first, last, None, everything))
    received = {row.period: row.received for row in daily}
    days = [(first + timedelta(days=i), 0) for i in range((last - first).days + 1)]
    return MonthlyReport(
        month=month,
        date_from=first,
        date_to=last,
        total=_group(total_row, "全部", "All", targets),
        departments=[
            _group(row, *_department_names(row.group), targets)
            for row in sorted(by_department, key=lambda r: (-r.received, r.group is None, r.group or ""))
        ],
        categories=[
            _group(row, *_category_names(row.group), targets)
            for row in sorted(by_category, key=lambda r: (-r.received, r.group or ""))
        ],
        days=[(day, received.get(day, 0)) for day, _ in days],
        scorecards=await scorecards(first) if scorecards is not None else [],
        staff=await staff(first) if staff is not None else [],
        risk=await risk(first, last) if risk is not None else None,
        cooperation=await cooperation(first, last) if cooperation is not None else [],
        eight_d=await eight_d(first, last) if eight_d is not None else None,
    )


CSV_COLUMNS = (
    "section",
    "period",
    "group",
    "group_label_zh",
    "group_label_en",
    "code",
    "label_zh",
    "label_en",
    "unit",
    "value",
    "numerator",
    "denominator",
    "target",
    "direction",
    "rag",
)
COUNT_LABELS = {"received": ("受理量", "Received"), "valid": ("有效投诉", "Valid complaints")}


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def report_csv(report: MonthlyReport) -> str:
    """One row per figure. Sections: kpi (the month), department, category (most frequent
    first), day (complaints received), scorecard (score, deducted, rating — its code in the rag
    column — and incidents_<kind> counts per department), staff (the operators' variant: score,
    deducted, rating and charges per person, group = user id, labels = display name), risk
    (complaints flagged as a reputational risk: ``flagged``, then ``rule:<name>`` per rule). Empty
    cells are nulls. Starts with a UTF-8 BOM (Excel)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def group_rows(section: str, group: ReportGroup) -> None:
        head = [section, report.month, group.code or "", group.label_zh, group.label_en]
        for code in ("received", "valid"):
            zh, en = COUNT_LABELS[code]
            count = group.received if code == "received" else group.valid
            writer.writerow([*head, code, zh, en, "count", count, "", "", "", "", ""])
        for k in group.kpis:
            writer.writerow(
                [
                    *head,
                    k.code,
                    k.label_zh,
                    k.label_en,
                    k.unit,
                    _number(k.value),
                    _number(k.numerator),
                    _number(k.denominator),
                    _number(k.target),
                    k.direction,
                    k.rag or "",
                ]
            )

    group_rows("kpi", report.total)
    for group in report.departments:
        group_rows("department", group)
    for group in report.categories:
        group_rows("category", group)
    zh, en = COUNT_LABELS["received"]
    for day, count in report.days:
        writer.writerow(
            ["day", day.isoformat(), "", "", "", "received", zh, en, "count", count, "", "", "", "", ""]
        )
    _scorecard_rows(writer, report)
    _staff_rows(writer, report)
    if report.risk is not None:
        _risk_rows(writer, report.month, report.risk)
    _cooperation_rows(writer, report)
    if report.eight_d is not None:
        _eight_d_rows(writer, report.month, report.eight_d)
    return out.getvalue()


def _scorecard_rows(writer: Any, report: MonthlyReport) -> None:
    for card in report.scorecards:
        head = ["scorecard", report.month, card.code or "", card.label_zh, card.label_en]
        writer.writerow(
            [*head, "score", "考核得分", "Score", "points", _number(card.score), "", "", "", "", ""]
        )
        writer.writerow(
            [*head, "deducted", "扣分", "Deducted", "points", _number(card.deducted), "", "", "", "", ""]
        )
        writer.writerow(
            [*head, "rating", card.rating_zh, card.rating_en, "rating", "", "", "", "", "", card.rating]
        )
        for kind, count in card.incidents.items():
            writer.writerow(
                [*head, f"incidents_{kind}", "质量事件", "Incidents", "count", count, "", "", "", "", ""]
            )


def _staff_rows(writer: Any, report: MonthlyReport) -> None:
    for person in report.staff:
        head = ["staff", report.month, person.person, person.name, person.name]
        writer.writerow(
            [*head, "score", "考核得分", "Score", "points", _number(person.score), "", "", "", "", ""]
        )
        writer.writerow(
            [*head, "deducted", "扣分", "Deducted", "points", _number(person.deducted), "", "", "", "", ""]
        )
        writer.writerow(
            [*head, "rating", person.rating_zh, person.rating_en, "rating", "", "", "", "", "", person.rating]
        )
        writer.writerow(
            [*head, "charges", "扣分次数", "Deductions", "count", person.charges, "", "", "", "", ""]
        )


def _risk_rows(writer: Any, month: str, risk: ReportRisk) -> None:
    head = ["risk", month, "", "", ""]
    writer.writerow([*head, "flagged", "舆情风险投诉", "Flagged as a risk", "count", risk.flagged, *[""] * 5])
    for rule, count in risk.by_rule.items():
        writer.writerow([*head, f"rule:{rule}", "按风险规则", "By risk rule", "count", count, *[""] * 5])


COOPERATION_FIGURES = {
    "asked": ("发起协同", "Co-operations asked"),
    "contributed": ("提交协同意见", "Contributions"),
    "on_time": ("按时提交", "Contributed on time"),
    "waived": ("主管免除", "Waived by a supervisor"),
    "breached": ("协同超时", "Co-operation time limits breached"),
}


def _cooperation_rows(writer: Any, report: MonthlyReport) -> None:
    for row in report.cooperation:
        zh, en = _department_names(row.code)
        head = ["cooperation", report.month, row.code, zh, en]
        for key, (label_zh, label_en) in COOPERATION_FIGURES.items():
            writer.writerow([*head, key, label_zh, label_en, "count", getattr(row, key), *[""] * 5])
EIGHT_D_ROWS = (
    ("opened", "8D 立案", "8D cases opened"),
    ("closed", "8D 结案", "8D cases closed"),
    ("closed_on_time", "8D 按时结案", "8D cases closed on time"),
    ("containment_late", "临时围堵超时", "Containment late"),
    ("open_at_end", "月末未结 8D", "8D cases open at the month's end"),
)


def _eight_d_rows(writer: Any, month: str, figures: ReportEightD) -> None:
    head = ["eight_d", month, "", "", ""]
    for code, zh, en in EIGHT_D_ROWS:
        writer.writerow([*head, code, zh, en, "count", getattr(figures, code), *[""] * 5])
    rate = figures.on_time_rate
    writer.writerow(
        [*head, "on_time_rate", "8D 按时结案率", "8D closed on time", "percent", _number(rate), *[""] * 5]
    )
