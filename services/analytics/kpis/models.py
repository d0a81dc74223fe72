"""Request and response bodies of the KPI, backlog, at-risk, service-volume and dictionary API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from services.analytics.bounds import Day
from services.analytics.complaints.models import ComplaintView, Label


class KpiValue(BaseModel):
    """One KPI of one slice, against its target."""

    code: str = Field(description="KPI code, e.g. response_timeliness (see docs/kpis.md).")
    label: Label = Field(description="The KPI's name.")
    unit: str = Field(description="percent (0–100), score (0–100) or hours.")
    value: float | None = Field(description="The value; null when the slice has nothing to measure.")
    numerator: float | None = Field(description="The formula's numerator (null for medians and p90).")
    denominator: float | None = Field(description="The formula's denominator (or sample size).")
    target: float = Field(description="The target value.")
    direction: str = Field(description="at_least (higher is better) or at_most (lower is better).")
    rag: str | None = Field(description="green, amber or red against the target; null without a value.")


class KpiSlice(BaseModel):
    """The KPIs of the complaints received in one period (or the whole range) and one group."""

    period: date | None = Field(
        description="First local day of the period (day, ISO week from Monday, or month); null: the "
        "whole range."
    )
    group: str | None = Field(description="The group's code (when sliced by a dimension), else null.")
    group_label: Label | None = Field(description="The group's label.")
    received: int = Field(description="Complaints received in the slice, invalid ones included.")
    valid: int = Field(description="Of these, the ones not closed as not a complaint.")
    kpis: list[KpiValue] = Field(description="Every KPI, in the dashboard's order.")


class KpiReport(BaseModel):
    """KPIs of the complaints received in a local date range, per period and in total."""

    granularity: str = Field(description="day, week or month.")
    date_from: date = Field(description="First local day included.")
    date_to: date = Field(description="Last local day included.")
    by: str | None = Field(description="The dimension sliced by, or null.")
    department_scope: str | None = Field(description="The only department counted (an agent's), or null.")
    totals: list[KpiSlice] = Field(description="One slice per group over the whole range.")
    series: list[KpiSlice] = Field(description="One slice per period and group, oldest period first.")


class BacklogBucket(BaseModel):
    """Open complaints of one age bucket."""

    code: str = Field(description="Bucket code, e.g. lt_24h, 24h_72h, ge_168h.")
    label: Label = Field(description="The bucket's label.")
    count: int = Field(description="Open complaints whose age falls in the bucket.")


class BacklogRow(BaseModel):
    """The open complaints of one department, by age."""

    department: str | None = Field(description="Department code; null: not yet dispatched.")
    label: Label = Field(description="The department's label.")
    total: int = Field(description="Open complaints.")
    oldest_hours: float = Field(description="Age in hours of the oldest open complaint.")
    buckets: list[BacklogBucket] = Field(description="Counts by age bucket, youngest first.")


class Backlog(BaseModel):
    """Open complaints by department and age, as of ``as_of``."""

    as_of: datetime = Field(description="The instant ages are measured at (UTC).")
    department_scope: str | None = Field(description="The only department counted (an agent's), or null.")
    total: int = Field(description="All open complaints counted.")
    buckets: list[BacklogBucket] = Field(description="Counts by age bucket over all departments.")
    departments: list[BacklogRow] = Field(description="One row per department, largest backlog first.")


class RiskItem(BaseModel):
    """An open complaint that has had a time limit warning or breach."""

    risk: str = Field(description="breached (a time limit ran out) or at_risk (warned only).")
    risk_label: Label = Field(description="The risk's label.")
    complaint: ComplaintView = Field(description="The complaint.")


class RiskList(BaseModel):
    """Open complaints at risk or breached, breached first, oldest first."""

    items: list[RiskItem] = Field(description="The complaints (at most `limit`).")
    total: int = Field(description="How many there are in all.")


class ServiceVolumeEntry(BaseModel):
    """How much service one channel gave on one local day."""

    day: Day = Field(description="Local calendar day, 2000-01-01 to 2099-12-31.")
    channel: str = Field(description="Channel code.")
    volume: int = Field(ge=0, le=10**12, description="Contacts, orders or tickets served that day.")


class ServiceVolumeReport(BaseModel):
    """Service volume for the complaint rate's denominator; a day and channel reported again
    replaces the earlier figure."""

    entries: list[ServiceVolumeEntry] = Field(
        min_length=1, max_length=10_000, description="The figures, one per day and channel."
    )


class ServiceVolumeAccepted(BaseModel):
    """The answer to a service volume report."""

    stored: int = Field(description="Figures stored (new or replaced).")


class DictionaryEntry(BaseModel):
    """A code with its label."""

    code: str = Field(description="The code.")
    label: Label = Field(description="Its label.")


class Dictionary(BaseModel):
    """Every code the dashboard filters on or shows, with labels."""

    channels: list[DictionaryEntry] = Field(description="Channels.")
    categories: list[DictionaryEntry] = Field(description="Categories.")
    grades: list[DictionaryEntry] = Field(description="Grades.")
    statuses: list[DictionaryEntry] = Field(description="Statuses.")
    departments: list[DictionaryEntry] = Field(description="The usual departments.")
    kpis: list[DictionaryEntry] = Field(description="KPIs.")
    event_types: list[DictionaryEntry] = Field(description="Timeline event titles.")
