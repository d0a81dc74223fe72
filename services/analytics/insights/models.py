"""Response bodies of the trend, problems, repeats and calendar-warning API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

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
