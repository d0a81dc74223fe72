"""Response bodies of the attention queue: what needs someone now, counted and listed."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.analytics.complaints.models import Instant, Label


class Overdue(BaseModel):
    """How far past (or before) a deadline it is, measured by the service's clock."""

    seconds: int = Field(description="Seconds past the deadline; negative while time is left.")
    label: Label = Field(description="For people: 'overdue by 2 d 3 h' or '5 h left'.")


class AttentionItem(BaseModel):
    """An open complaint whose time limit ran out or is about to."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    risk: str = Field(description="breached (a time limit ran out) or at_risk (warned only).")
    risk_label: Label = Field(description="The risk, for people.")
    stage: str = Field(description="The time limit of the latest breach (or warning): an SLA stage code.")
    stage_label: Label = Field(description="That stage, for people.")
    deadline: Instant = Field(description="When that time limit runs (or ran) out.")
    overdue: Overdue = Field(description="How far past that deadline it is now.")
    escalation_level: int = Field(description="Escalation level, 0 when not escalated.")
    escalation_label: Label | None = Field(
        description="Level and target for people; null when not escalated."
    )
    department: str | None = Field(description="The responsible department's code; null before dispatch.")
    department_label: Label = Field(description="The department, for people ('unassigned' before dispatch).")
    status_label: Label = Field(description="The complaint's status, for people.")
    grade_label: Label = Field(description="Its grade, for people.")


class RevisitItem(BaseModel):
    """A resolved complaint whose revisit with the complainant is past due."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    due_at: Instant = Field(description="When the revisit was due.")
    overdue: Overdue = Field(description="How long past due it is.")
    department: str | None = Field(description="The department that resolved it.")
    department_label: Label = Field(description="That department, for people.")


class AttentionCounts(BaseModel):
    """Headline counts over every complaint the caller may see (filters applied)."""

    open: int = Field(description="Open complaints.")
    breached: int = Field(description="Open complaints with a time limit breached (revisits apart).")
    at_risk: int = Field(
        description="Open complaints warned of a time limit, none breached (revisits apart)."
    )
    overdue_revisits: int = Field(description="Complaints waiting for a revisit that is past due.")


class Attention(BaseModel):
    """The attention queue: breached first, then at risk, each by deadline; overdue revisits apart."""

    counts: AttentionCounts = Field(description="The headline counts.")
    items: list[AttentionItem] = Field(description="Breached and at-risk complaints (at most `limit`).")
    revisits: list[RevisitItem] = Field(
        description="Overdue revisits, longest overdue first (at most `limit`)."
    )
    now: Instant = Field(description="The instant the overdue times are measured at.")
