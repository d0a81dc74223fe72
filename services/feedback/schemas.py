"""Request and response bodies of the feedback service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.feedback.links import SentVia
from shared.complaints.values import Lang, RevisitChannel
from shared.privacy.reveal import PersonalDataView


class FeedbackRequest(BaseModel):
    """What the complainant said at the revisit (回访): satisfied or not, and a score."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"satisfied": True, "score": 5, "comment": "处理及时，很满意。"}]},
    )

    satisfied: bool = Field(description="True when the complainant is satisfied with the resolution.")
    score: int = Field(ge=1, le=5, description="Satisfaction score, 1 (worst) to 5 (best).")
    comment: str | None = Field(None, max_length=2000, description="What the complainant added, if anything.")
    acknowledged: bool = Field(
        False,
        description="Not satisfied, but the complainant explicitly accepts the solution: the complaint "
        "closes (acknowledged) instead of going back to the department.",
    )
    channel: RevisitChannel = Field(
        RevisitChannel.PHONE,
        description="How the revisit reached the complainant: phone (default), sms or email. "
        "questionnaire is recorded by the complainant's own answer on a questionnaire link only.",
    )

    @model_validator(mode="after")
    def _not_questionnaire(self) -> FeedbackRequest:
        if self.channel is RevisitChannel.QUESTIONNAIRE:
            raise ValueError("questionnaire answers come from the complainant's link, not from staff")
        return self


class RevisitStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"


class RevisitOutcome(StrEnum):
    SATISFIED = "satisfied"
    ACKNOWLEDGED = "acknowledged"
    DISSATISFIED = "dissatisfied"
    WITHDRAWN = "withdrawn"
    UNRESOLVABLE = "unresolvable"


LABELS: dict[str, dict[Lang, str]] = {
    RevisitStatus.PENDING: {"zh-CN": "待回访", "en": "Revisit pending"},
    RevisitStatus.DONE: {"zh-CN": "已回访", "en": "Revisit done"},
    RevisitOutcome.SATISFIED: {"zh-CN": "满意", "en": "Satisfied"},
    RevisitOutcome.ACKNOWLEDGED: {
        "zh-CN": "不满意但认可处理方案",
        "en": "Not satisfied, accepted the solution",
    },
    RevisitOutcome.DISSATISFIED: {
        "zh-CN": "不满意，退回责任部门",
        "en": "Dissatisfied, back to the department",
    },
    RevisitOutcome.WITHDRAWN: {"zh-CN": "投诉已撤回", "en": "Complaint withdrawn"},
    RevisitOutcome.UNRESOLVABLE: {
        "zh-CN": "无法解决，已记录后续计划",
        "en": "Unresolvable, follow-up planned",
    },
}
"""Labels of revisit statuses and outcomes."""


class Revisit(BaseModel):
    """One revisit in the customer-service department's list."""

    complaint_no: str = Field(description="The complaint's number.")
    department: str = Field(description="Code of the department that resolved the complaint.")
    department_label: str = Field(description="That department's name in the requested language.")
    due_at: datetime = Field(description="When the revisit is due (UTC).")
    overdue: bool = Field(description="True when still pending after its due time.")
    status: RevisitStatus = Field(description="pending or done.")
    status_label: str = Field(description="The status in the requested language.")
    scheduled_at: datetime = Field(description="When the revisit was scheduled (UTC).")
    completed_at: datetime | None = Field(description="When the feedback came in (UTC); null while pending.")
    outcome: RevisitOutcome | None = Field(
        description="satisfied, acknowledged, dissatisfied or withdrawn; null while pending."
    )
    outcome_label: str | None = Field(description="The outcome in the requested language.")
    score: int | None = Field(description="The satisfaction score given, 1 to 5.")
    rounds: int = Field(
        description="How many revisits this complaint has had (it is reopened after each no)."
    )
    stream_version: int = Field(description="The complaint's stream version this row reflects.")
    complainant: PersonalDataView | None = Field(
        None,
        description="Whom to call: in full for customer-service agents, supervisors and admins, masked "
        "for operators; status anonymous (answered with the follow-up code) or erased (已删除).",
    )


class RevisitPage(BaseModel):
    """One page of the revisit list, earliest due first."""

    status: list[RevisitStatus] = Field(description="The statuses listed.")
    due_before: datetime | None = Field(description="Only revisits due before this instant, when given.")
    page: int = Field(description="This page's number, from 1.")
    page_size: int = Field(description="Items per page.")
    total: int = Field(description="How many revisits match, over all pages.")
    items: list[Revisit] = Field(description="The revisits on this page.")


class LinkRequest(BaseModel):
    """Issue a questionnaire link (问卷回访链接) for a complaint awaiting its revisit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    send_via: SentVia = Field(
        SentVia.NONE,
        description="sms or email: the notifier sends the link to the complainant's contact; none: "
        "the caller copies the link (read out on the phone, pasted in a chat).",
    )


class LinkIssued(BaseModel):
    """A questionnaire link: its token is in the URL, shown this once (only a hash is kept)."""

    complaint_no: str = Field(description="The complaint revisited.")
    url: str = Field(description="The link the complainant opens, without an account; single use.")
    expires_at: datetime = Field(description="When the link stops working (UTC).")
    sent_via: SentVia = Field(description="How it was sent: sms, email or none (copied by the caller).")


class QuestionnaireAnswer(BaseModel):
    """The complainant's answer on the questionnaire."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    solved: bool = Field(description="Was the problem solved?")
    score: int = Field(ge=1, le=5, description="Satisfaction with the service, 1 (worst) to 5 (best).")
    comment: str | None = Field(None, max_length=2000, description="What the complainant added, if anything.")
    upgrade: bool = Field(
        False,
        description="Not solved, and the complainant rejects the answer: open a new, escalated "
        "complaint about it, linked to this one (refused with 422 when solved is true).",
    )

    @model_validator(mode="after")
    def _upgrade_only_when_unsolved(self) -> QuestionnaireAnswer:
        if self.upgrade and self.solved:
            raise ValueError("an upgraded complaint is opened only when the problem was not solved")
        return self

    @property
    def satisfied(self) -> bool:
        """Solved, and at least neutral about the service: anything less goes back to the department."""
        return self.solved and self.score >= 3


class QuestionnaireInfo(BaseModel):
    """An open questionnaire link."""

    complaint_no: str = Field(description="The complaint revisited.")
    expires_at: datetime = Field(description="When the link stops working (UTC).")


class QuestionnaireRecorded(BaseModel):
    """The answer was recorded, exactly as an agent's revisit would be."""

    complaint_no: str = Field(description="The complaint revisited.")
    status: str = Field(description="The complaint's status now: closed, or reopened.")
    upgraded: bool = Field(description="True when an escalated complaint was submitted to intake.")


class UnresolvableRequest(BaseModel):
    """Close a complaint that cannot be resolved: both fields are required (the domain refuses
    a blank one with unresolvable_without_reason / unresolvable_without_plan)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str = Field("", max_length=2000, description="Why the complaint cannot be resolved.")
    follow_up_plan: str = Field("", max_length=2000, description="The follow-up plan (后续计划).")
