"""Request and response bodies of the feedback service."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.values import Lang
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
    RevisitOutcome.UNRESOLVABLE: {"zh-CN": "无法解决，已记录后续计划", "en": "Unresolvable, follow-up planned"},
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
