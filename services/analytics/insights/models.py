"""Response and request bodies of the trend, problems, repeats, calendar-warning, inspection and
scorecard API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from services.analytics.complaints.models import Instant, Label


class TrendPoint(BaseModel):
    period: date = Field(description="First local day of the period.")
    value: float | None = Field(description="The KPI in the period; null when nothing to measure.")
    rag: str | None = Field(description="green, amber or red against the target.")
    received: int = Field(description="Complaints received in the period.")


class Trend(BaseModel):
    """One KPI's series over a local date range, with its target."""

    kpi: str = Field(description="KPI code.")
    label: Label = Field(description="The KPI's name.")
    unit: str = Field(description="percent, score or hours.")
    target: float = Field(description="The target value (the chart's target line).")
    direction: str = Field(description="at_least or at_most.")
    granularity: str = Field(description="day, week or month.")
    date_from: date = Field(description="First local day included.")
    date_to: date = Field(description="Last local day included.")
    department_scope: str | None = Field(description="The only department counted (an agent's), or null.")
    points: list[TrendPoint] = Field(
        description="One point per period, oldest first, empty periods included."
    )


class ProblemItem(BaseModel):
    category: str = Field(description="Category code.")
    category_label: Label = Field(description="The category's label.")
    kind: str = Field(description="product (a product reference) or subject (no product named).")
    key: str = Field(description="The product reference, or the normalized subject line.")
    count: int = Field(description="Complaints received in the month.")
    previous: int = Field(description="Complaints received in the month before.")
    change: int = Field(description="count − previous.")
    change_pct: float | None = Field(description="Change in percent of previous; null when previous is 0.")
    complaint_nos: list[str] = Field(description="The month's complaints of this problem.")


class Problems(BaseModel):
    """The month's high-frequency problems: category × product (or subject), most first."""

    month: str = Field(description="The local month, YYYY-MM.")
    department_scope: str | None = Field(description="The only department counted (an agent's), or null.")
    items: list[ProblemItem] = Field(description="Most complaints first.")


class ReopenedItem(BaseModel):
    complaint_no: str = Field(description="The complaint.")
    department: str | None = Field(description="Its department now.")
    department_label: Label = Field(description="The department's label.")
    category: str = Field(description="Category code.")
    status: str = Field(description="Status code now.")
    reopen_count: int = Field(description="Times reopened in all.")
    reopened_in_month: int = Field(description="Times reopened in the month.")
    last_reopened_at: Instant = Field(description="When it was last reopened in the month.")


class ComplainantRepeatItem(BaseModel):
    """One pseudonymous complainant who complained twice or more in the month (no contact data)."""

    complainant: str = Field(
        description="Short pseudonym: C- and the first 8 hex digits of the complainant_id."
    )
    complainant_id: str = Field(description="The pseudonymous complainant id (shared/privacy).")
    count: int = Field(description="Complaints received in the month.", ge=2)
    complaint_nos: list[str] = Field(description="Their complaint numbers, oldest first.")


class Repeats(BaseModel):
    """Repeat complaints of the month (definitions: docs/kpis.md)."""

    month: str = Field(description="The local month, YYYY-MM.")
    department_scope: str | None = Field(description="The only department counted, or null.")
    product_repeats: list[ProblemItem] = Field(
        description="The same product (or subject) and category complained about twice or more in the month."
    )
    reopened: list[ReopenedItem] = Field(description="Complaints reopened in the month.")
    complainant_repeats: list[ComplainantRepeatItem] = Field(
        description="The same pseudonymous complainant with two or more complaints in the month."
    )


class CalendarWarning(BaseModel):
    complaint_no: str = Field(description="The open complaint whose deadline was counted without holidays.")
    department: str | None = Field(description="Its department.")
    stage: str = Field(description="Which time limit.")
    deadline: datetime | None = Field(description="The deadline as counted on plain weekdays (UTC).")
    years: list[int] = Field(description="The years the SLA calendar does not know.")
    raised_at: Instant = Field(description="When the warning was raised.")


class CalendarWarnings(BaseModel):
    """SlaCalendarYearUnknown warnings of open complaints: the SLA calendar lacks a year's holidays."""

    years: list[int] = Field(description="Every year missing, ascending; empty: nothing to warn about.")
    message: Label = Field(description="The banner text.")
    items: list[CalendarWarning] = Field(description="The warnings, newest first.")


class DrawRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int | None = Field(
        None,
        ge=0,
        le=2**53 - 1,
        description="Seed of the draw, 0 to 2^53 − 1; default: a random one (stored in the event).",
    )
    ratio: float | None = Field(
        None, gt=0, le=1, description="Share drawn; default TOUSU_ANALYTICS_INSPECTION_RATIO."
    )


class ScoreRequest(BaseModel):
    """The scoring form: four items, 0–25 points each."""

    model_config = ConfigDict(extra="forbid")

    complaint_no: str = Field(min_length=1, max_length=200, description="A complaint of the week's sample.")
    attitude: int = Field(ge=0, le=25, description="Service attitude, 0–25.")
    timeliness: int = Field(ge=0, le=25, description="Timeliness, 0–25.")
    resolution: int = Field(ge=0, le=25, description="Whether the problem was really solved, 0–25.")
    accuracy: int = Field(ge=0, le=25, description="Accuracy of facts and reply, 0–25.")


class InspectionScore(BaseModel):
    attitude: int = Field(description="0–25.")
    timeliness: int = Field(description="0–25.")
    resolution: int = Field(description="0–25.")
    accuracy: int = Field(description="0–25.")
    total: int = Field(description="0–100.")
    passed: bool = Field(description="total ≥ pass_mark.")
    pass_mark: int = Field(description="The pass mark in force when scored.")
    scored_at: Instant = Field(description="When it was (last) scored.")


class SampledComplaint(BaseModel):
    complaint_no: str = Field(description="The complaint drawn.")
    department: str | None = Field(description="Its department.")
    department_label: Label = Field(description="The department's label.")
    subject: str | None = Field(description="Its subject line.")
    score: InspectionScore | None = Field(description="The latest score; null until scored.")


class WeekSample(BaseModel):
    """A week's inspection sample: what was drawn, with which seed, and the scores so far."""

    week: str = Field(description="ISO week, e.g. 2026-W47.")
    stream_id: str = Field(description="The event-store stream holding the draw and the scores.")
    drawn: bool = Field(description="False when the week's sample has not been drawn yet.")
    seed: int | None = Field(description="The draw's seed.")
    ratio: float | None = Field(description="The share drawn.")
    population: int | None = Field(description="Complaints closed in the week.")
    population_digest: str | None = Field(description="SHA-256 of the population's numbers, sorted.")
    drawn_at: Instant | None = Field(description="When it was drawn.")
    drawn_by: str | None = Field(description="Who drew it.")
    items: list[SampledComplaint] = Field(description="The complaints drawn, sorted by number.")


class DepartmentInspection(BaseModel):
    department: str | None = Field(description="Department code.")
    label: Label = Field(description="The department's label.")
    scored: int = Field(description="Inspections scored.")
    failed: int = Field(description="Of these, below the pass mark.")
    average_total: float = Field(description="Average total, 0–100.")
    average_items: dict[str, float] = Field(description="Average of each item, 0–25.")


class InspectionScores(BaseModel):
    """Inspection scores per department over the ISO weeks of a month (weeks whose Thursday is in it)."""

    month: str = Field(description="YYYY-MM.")
    weeks: list[str] = Field(description="The ISO weeks counted.")
    departments: list[DepartmentInspection] = Field(description="Lowest average first.")


class ChainLink(BaseModel):
    link: str = Field(description="responsible, department_head, direct_superior or next_superior.")
    link_label: Label = Field(description="The link's label.")
    person: str | None = Field(description="Who; null when the chain names nobody (or no agent was known).")
    deducted: float = Field(description="Points deducted from this person.")
    score: float = Field(description="full_marks − deducted.")
    incidents: int = Field(description="Incidents charged to this person.")


class DepartmentScorecard(BaseModel):
    department: str | None = Field(description="Department code; null: not yet dispatched.")
    label: Label = Field(description="The department's label.")
    score: float = Field(description="full_marks − deductions, at least 0.")
    deducted: float = Field(description="Points deducted.")
    rating: str = Field(description="Rating code, e.g. excellent, good, pass, fail.")
    rating_label: Label = Field(description="The rating's name.")
    disqualified: bool = Field(description="A disqualifying condition holds (rating forced to the lowest).")
    disqualified_by: list[str] = Field(description="The conditions met, e.g. 'failed_inspection ≥ 3'.")
    incidents: dict[str, int] = Field(description="Incidents by kind.")
    chain: list[ChainLink] = Field(description="Deductions along the responsibility chain.")


class Scorecards(BaseModel):
    """Department scorecards of a local month."""

    month: str = Field(description="YYYY-MM.")
    full_marks: float = Field(description="Points each department and person starts with.")
    deductions: dict[str, float] = Field(description="Points one incident of each kind costs.")
    thresholds: list[dict[str, object]] = Field(description="The ratings: code, min and labels.")
    departments: list[DepartmentScorecard] = Field(description="Lowest score first.")
