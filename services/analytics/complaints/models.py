"""Response bodies of the analytics API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.values import Label
from shared.privacy.reveal import PersonalDataView


class Instant(BaseModel):
    """A point in time, in UTC and in the organisation's time zone."""

    model_config = ConfigDict(frozen=True)

    utc: datetime = Field(description="The instant in UTC, ISO 8601 (ends in Z).")
    local: str = Field(
        description="The same instant in the organisation's time zone (TOUSU_TIMEZONE, default "
        "Asia/Shanghai), ISO 8601 with its UTC offset."
    )


class Feedback(BaseModel):
    """The complainant's last feedback; their comment is not kept in the read models."""

    satisfied: bool = Field(description="True when the complainant was satisfied.")
    score: int = Field(description="Satisfaction score, 1 (worst) to 5 (best).")
    acknowledged: bool = Field(description="Not satisfied, but explicitly accepted the solution.")


class ComplaintLabels(BaseModel):
    """Labels of the complaint's codes, for people."""

    status: Label = Field(description="Label of the status.")
    channel: Label = Field(description="Label of the channel.")
    category: Label = Field(description="Label of the category.")
    grade: Label = Field(description="Label of the grade.")
    complainant_kind: Label = Field(description="Label of the complainant kind.")
    department: Label = Field(description="Label of the responsible department, or 'unassigned'.")
    complainant: Label = Field(description="The masked display name, or 'anonymous', or 'erased' (已删除).")
    close_reason: Label | None = Field(description="Label of the close reason, when closed.")
    flags: list[Label] = Field(description="Labels of the flags, in the order of `flags`.")


class ComplaintView(BaseModel):
    """A complaint's current state as the read model has it (no contact data, no free text)."""

    complaint_no: str = Field(description="The complaint's unique number.")
    version: int = Field(description="Number of events applied: the complaint's stream version.")
    status: str = Field(description="Status code, e.g. received, in_progress, closed.")
    open: bool = Field(description="True unless closed, withdrawn or closed as not a complaint.")
    flags: list[str] = Field(
        description="Marks beside the status: escalated (an upgraded complaint is, from its start), "
        "reopened, on_hold."
    )
    upgraded_from: str | None = Field(
        None, description="The earlier complaint whose answer the complainant rejected (升级投诉), if any."
    )
    department: str | None = Field(description="Code of the responsible department; null before dispatch.")
    agent: str | None = Field(description="Who in the department accepted it; null until accepted.")
    channel: str = Field(description="Channel code it came in through.")
    category: str = Field(description="Category code.")
    grade: str = Field(description="Grade code: general, complex or urgent.")
    complainant_kind: str = Field(description="customer or employee.")
    anonymous: bool = Field(description="True when the complainant stays anonymous.")
    complainant_display: str | None = Field(
        description="The complainant's masked name (张*, J***); null when anonymous or erased."
    )
    complainant: PersonalDataView = Field(
        description="The complainant's personal data, opened at read time: in full for the responsible "
        "department's agents, supervisors and admins, masked for operators and auditors; status "
        "erased (已删除) once the complainant's key was deleted."
    )
    subject: str = Field(description="Short subject line.")
    acknowledged: bool = Field(description="True once the complainant was told it was received.")
    escalation_level: int = Field(description="Escalation level, 0 when not escalated.")
    escalated_to: str | None = Field(description="Who it was last escalated to.")
    reopen_count: int = Field(description="How many times it was reopened.")
    received_at: Instant = Field(description="When it was received.")
    updated_at: Instant = Field(description="When its last event happened.")
    resolved_at: Instant | None = Field(description="When the department replied, if it has.")
    closed_at: Instant | None = Field(
        description="When it was closed, withdrawn or closed as not a complaint."
    )
    close_reason: str | None = Field(description="satisfied or acknowledged, when closed.")
    revisit_due_at: Instant | None = Field(description="When the scheduled revisit is due.")
    feedback: Feedback | None = Field(description="The complainant's last feedback.")
    sla_warnings: int = Field(description="Time limit warnings raised.")
    sla_breaches: int = Field(description="Time limits breached.")
    labels: ComplaintLabels = Field(description="Labels of the codes above, in zh-CN and en.")


class TimelineActor(BaseModel):
    """Who caused a timeline event."""

    role: str = Field(description="The role the actor acted in.")
    role_label: Label = Field(description="Label of the role.")
    id: str | None = Field(description="The actor's id; null for the complainant (it may identify them).")
    department: str | None = Field(description="The department an agent acted for.")


class TimelineDetail(BaseModel):
    """One field of an event's summary, named and labelled for people."""

    key: str = Field(description="The summary field it shows, e.g. stage, deadline, score.")
    name: Label = Field(description="What the field is.")
    value: Label = Field(description="Its value for people: labels, local times, scores out of 5.")


class TimelineEntry(BaseModel):
    """One event of the complaint's history."""

    stream_version: int = Field(description="1-based position of the event in the complaint's stream.")
    event_id: UUID = Field(description="The event's unique id (as in the event store).")
    type: str = Field(description="Event type, e.g. ComplaintAssigned.")
    title: Label = Field(description="What happened, for people.")
    occurred_at: Instant = Field(description="When it happened.")
    recorded_at: Instant = Field(description="When the event store committed it.")
    actor: TimelineActor = Field(description="Who caused it.")
    summary: dict[str, Any] = Field(
        description="The event's codes, departments, numbers and instants; never contact data or free text."
    )
    details: list[TimelineDetail] = Field(
        description="The summary for people: who, which stage and deadline, escalation level and "
        "target, a refusal's reason, the feedback score…, each labelled; no codes."
    )
    happened_at: Instant = Field(
        description="When it happened: for ComplaintReceived the receipt time the channel gave (a "
        "backdated complaint is recorded later), else occurred_at."
    )


class CooperationEntry(BaseModel):
    """One co-operating department's part (协同) in the complaint."""

    department: str = Field(description="The co-operating department's code.")
    department_label: Label = Field(description="Its name.")
    status: str = Field(description="requested, accepted, contributed, waived or withdrawn.")
    status_label: Label = Field(description="The status, for people.")
    requested_at: Instant = Field(description="When it was asked to co-operate.")
    accepted_at: Instant | None = Field(description="When it signed for the request.")
    contributed_at: Instant | None = Field(description="When it recorded its contribution.")
    agent: str | None = Field(description="Who in it signed for the request.")


class ComplaintDetail(BaseModel):
    """A complaint and its full timeline."""

    complaint: ComplaintView = Field(description="The current state.")
    timeline: list[TimelineEntry] = Field(
        description="Every event, oldest first (for a co-operating department's agent, without the "
        "other co-operating departments' entries)."
    )
    cooperations: list[CooperationEntry] = Field(
        default_factory=list,
        description="The co-operating departments (协同部门) beside the lead (`complaint.department`): "
        "all of them for the lead and staff, its own for a co-operating department's agent.",
    )
    viewer_role: str = Field(
        "staff",
        description="The caller's part: lead (an agent of the responsible department), cooperating "
        "(an agent of a co-operating department) or staff.",
    )


class ComplaintPage(BaseModel):
    """One page of complaints, newest received first."""

    items: list[ComplaintView] = Field(description="The complaints on this page.")
    page: int = Field(description="1-based page number.")
    page_size: int = Field(description="Most items per page.")
    total: int = Field(description="Complaints matching the filters, on all pages.")


class CountItem(BaseModel):
    """How many complaints have one value of a dimension."""

    code: str | None = Field(description="The value's code; null for department: not yet dispatched.")
    label: Label = Field(description="The value's label.")
    count: int = Field(description="Complaints with this value.")
    open: int = Field(description="Of these, the ones still open.")


class Stats(BaseModel):
    """Counts over every complaint the caller may see."""

    department_scope: str | None = Field(
        description="The only department counted (an agent's own); null when all are."
    )
    total: int = Field(description="All complaints, valid or not (not-a-complaint ones count too).")
    open_backlog: int = Field(
        description="Complaints still open (not closed, withdrawn or closed as invalid)."
    )
    sla_breaches: int = Field(description="Time limit breaches recorded, over all complaints.")
    breached_complaints: int = Field(description="Complaints with at least one breach.")
    by_status: list[CountItem] = Field(description="Counts by status, every status listed.")
    by_channel: list[CountItem] = Field(description="Counts by channel, every channel listed.")
    by_category: list[CountItem] = Field(description="Counts by category, every category listed.")
    by_grade: list[CountItem] = Field(description="Counts by grade, every grade listed.")
    by_department: list[CountItem] = Field(
        description="Counts by responsible department: the departments that have complaints, most "
        "first, then code null: not yet dispatched."
    )
