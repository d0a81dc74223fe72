"""The bodies of the risk flags API."""

from pydantic import BaseModel, Field

from services.analytics.complaints.models import ComplaintDetail, Instant
from shared.complaints.values import Label


class RiskFlagView(BaseModel):
    """One complaint flagged as a reputational risk (舆情风险)."""

    complaint_no: str = Field(description="The complaint's number.")
    subject: str = Field(description="Its subject line.")
    status: str = Field(description="Status code, e.g. in_progress.")
    status_label: Label = Field(description="The status, for people.")
    department: str | None = Field(description="Code of the responsible department; null before dispatch.")
    department_label: Label = Field(description="The department's name.")
    grade: str | None = Field(description="Grade code.")
    grade_label: Label | None = Field(description="The grade, for people.")
    channel: str = Field(description="Channel code, e.g. referral.")
    channel_label: Label = Field(description="The channel, for people.")
    received_at: Instant = Field(description="When the complaint was received.")
    flagged: bool = Field(description="True while flagged; false once every flag was cleared.")
    rules: list[str] = Field(
        description="The rules of the current flags (once cleared: of the flags cleared); `manual`: by staff."
    )
    sources: list[str] = Field(description="auto (the risk rules) and/or manual (staff).")
    sources_label: list[Label] = Field(description="Who flagged it, for people.")
    first_flagged_at: Instant = Field(description="When it was first flagged.")
    last_flagged_at: Instant = Field(description="When it was last flagged.")
    cleared_at: Instant | None = Field(description="When its flags were last cleared; null if never.")


class RiskFlagPage(BaseModel):
    """One page of flagged complaints, most recently flagged first."""

    items: list[RiskFlagView] = Field(description="The complaints on this page.")
    page: int = Field(description="1-based page number.")
    page_size: int = Field(description="Most items per page.")
    total: int = Field(description="Flagged complaints matching the filters, on all pages.")


class RiskNote(BaseModel):
    """Why the complaint was flagged or cleared, as the person typed it (read from the stored event,
    never kept in a read model)."""

    stream_version: int = Field(description="The event's position in the complaint's stream.")
    type: str = Field(description="ComplaintRiskFlagged or ComplaintRiskFlagCleared.")
    title: Label = Field(description="What happened, for people.")
    at: Instant = Field(description="When.")
    rules: list[str] = Field(description="The rules flagged or cleared.")
    reason: str | None = Field(description="The reason given; null for a flag by the rules.")


class RiskFlagDetail(BaseModel):
    """A flagged complaint: its flags, its state and its timeline, personal data masked for the PR owner."""

    flags: RiskFlagView = Field(description="Its risk flags.")
    notes: list[RiskNote] = Field(
        description="Every flag and clear, oldest first, with the reasons people gave."
    )
    detail: ComplaintDetail = Field(description="The complaint and its timeline.")
