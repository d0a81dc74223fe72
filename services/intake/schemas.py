"""Request and response bodies of the intake service.

What a channel sends is the same JSON schema over HTTP and on the Kafka intake topic
(:class:`ComplaintSubmission`, :class:`IntakeMessage`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from services.intake.text import nul_free
from shared.complaints.events import Attachment, Complainant, IndustrialDetails, check_anonymity
from shared.complaints.values import (
    Category,
    Channel,
    ComplainantKind,
    ComplaintNo,
    Grade,
    Status,
    UtcDatetime,
)

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)

MAX_ATTACHMENTS = 10
"""The most attachments one submission may list."""

MAX_REFERENCE = 200
"""The longest product, service or order reference. Registers name products in full, with model
and specification: 77 characters were common in the first imported history (docs/intake.md,
"Limits")."""

Reference = Annotated[str, StringConstraints(min_length=1, max_length=MAX_REFERENCE, strip_whitespace=True)]


class ComplaintSubmission(BaseModel):
    """A new complaint as a channel submits it (受理登记)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "channel": "hotline",
                    "complainant_kind": "customer",
                    "complainant": {"name": "张伟", "phone": "13812345678"},
                    "category": "product_quality",
                    "subject": "洗衣机漏水",
                    "content": "购买两周的洗衣机底部漏水，要求上门检修。",
                    "product_refs": ["WM-2031"],
                    "order_refs": ["SO-88812"],
                }
            ]
        },
    )

    channel: Channel = Field(description="The channel the complaint came in through (受理渠道).")
    complainant_kind: ComplainantKind = Field(description="customer (客户/合作伙伴) or employee (员工).")
    anonymous: bool = Field(
        False, description="Employees may complain anonymously (匿名): then no complainant."
    )
    complainant: Complainant | None = Field(
        None, description="Name and contact of the complainant; required unless anonymous."
    )
    category: Category = Field(description="What the complaint is about (分类).")
    grade: Grade | None = Field(
        None,
        description="Initial grade, if the channel already knows it (must belong to the organisation's "
        "scheme); the policy may raise it, never lower it. Default: graded by the policy.",
    )
    subject: str = Field(min_length=1, max_length=200, description="Short subject line.")
    content: str = Field(min_length=1, max_length=20_000, description="What the complainant said, in full.")
    product_refs: list[Reference] = Field(
        default_factory=list, max_length=20, description="Product or service codes involved."
    )
    order_refs: list[Reference] = Field(
        default_factory=list, max_length=20, description="Order numbers involved."
    )
    received_at: UtcDatetime | None = Field(
        None,
        description="When the channel received it (ISO-8601 with zone); default: now. At most "
        "TOUSU_INTAKE_RECEIVED_MAX_AGE_DAYS (30) days ago and TOUSU_INTAKE_RECEIVED_MAX_SKEW_SECONDS "
        "(300) ahead, else 422 received_at_too_old / received_at_in_future; older complaints come in "
        "through `tousu import`.",
    )
    industrial: IndustrialDetails | None = Field(
        None,
        description="Industrial complaints: product number, shipment date and quantity, defect rate, "
        "where found. Which of them are required depends on the organisation's policy.",
    )
    attachments: list[Attachment] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS,
        description=f"Names and sizes of the attachments, at most {MAX_ATTACHMENTS}.",
    )

    _no_nul = model_validator(mode="before")(nul_free)

    @field_validator("received_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        # windows (recurrence, duplicates) reach back from it: far-off years would overflow
        if value is not None and not EARLIEST <= value < LATEST:
            raise ValueError("received_at must be in the years 2000 to 2099")
        return value

    @model_validator(mode="after")
    def _anonymity(self) -> Self:
        check_anonymity(self.anonymous, self.complainant)
        if self.anonymous and self.complainant_kind != ComplainantKind.EMPLOYEE:
            raise ValueError("only employees may complain anonymously")
        return self


class IntakeMessage(ComplaintSubmission):
    """A submission published by a channel on the Kafka intake topic."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "submission_id": "wechat-2026-11-23-000017",
                    "channel_id": "wechat-bot",
                    "channel": "online",
                    "complainant_kind": "customer",
                    "complainant": {"name": "Li Na", "email": "li.na@example.com"},
                    "category": "delivery",
                    "subject": "Parcel two weeks late",
                    "content": "Order SO-1234 has not arrived after 14 days.",
                    "order_refs": ["SO-1234"],
                }
            ]
        },
    )

    submission_id: str = Field(
        min_length=1,
        max_length=128,
        description="The channel's unique id for this submission; a redelivery with the same id "
        "creates no second complaint.",
    )
    channel_id: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Which channel system sent it.",
    )
    upgrade_of: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="An upgraded complaint (升级投诉): the number of the earlier complaint whose answer "
        "the complainant rejected at the revisit. The new complaint is linked to it and flagged as "
        "escalated (ComplaintUpgradedFrom).",
    )

    def submission(self) -> ComplaintSubmission:
        return ComplaintSubmission.model_validate(
            self.model_dump(exclude={"submission_id", "channel_id", "upgrade_of"})
        )


class SubmissionAccepted(BaseModel):
    """The answer to an accepted submission."""

    complaint_no: str = Field(description="The complaint number (投诉编号): quote it in every follow-up.")
    stream_version: int = Field(description="The complaint stream's version after this write.")
    status: str = Field(description="Always 'received' for a new complaint.")
    status_url: str = Field(description="Where to read the complaint's status (analytics service).")
    follow_up_code: str | None = Field(
        None,
        description="Anonymous submissions only: the secret follow-up code (跟进码), shown this once. With "
        "the complaint number it reads the status and answers the revisit (POST /v1/follow-up/...); "
        "only a salted hash is kept, so a lost code cannot be shown again.",
    )
    possible_duplicate_of: str | None = Field(
        None, description="An earlier complaint of the same complainant about the same subject, if any."
    )


class RegradeRequest(BaseModel):
    """An agent's or supervisor's change of a complaint's grade."""

    grade: Grade = Field(description="The new grade; must belong to the organisation's grading scheme.")
    reason: str = Field(min_length=1, max_length=2000, description="Why the grade changes (kept on record).")

    _no_nul = model_validator(mode="before")(nul_free)


class RiskReason(BaseModel):
    """Why a complaint is flagged as a reputational risk, or why its flag is cleared."""

    reason: str = Field(min_length=1, max_length=2000, description="Why (kept on record, shown to staff).")

    _no_nul = model_validator(mode="before")(nul_free)


class MergeRequest(BaseModel):
    """Which complaint survives, and why."""

    model_config = ConfigDict(extra="forbid")

    into: ComplaintNo = Field(description="Number of the surviving complaint (e.g. the earlier one).")
    reason: str = Field(min_length=1, max_length=2000, description="Why they are the same complaint.")

    _no_nul = model_validator(mode="before")(nul_free)


# --- anonymous follow-up ---------------------------------------------------------------------

Code = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class FollowUpRequest(BaseModel):
    """The complaint number and the follow-up code shown when the complaint was submitted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    complaint_no: ComplaintNo = Field(description="The complaint number (投诉编号).")
    code: Code = Field(description="The follow-up code (跟进码), with or without dashes.")

    _no_nul = model_validator(mode="before")(nul_free)


class FollowUpFeedback(FollowUpRequest):
    """The anonymous submitter's answer to the revisit (回访)."""

    satisfied: bool = Field(description="True when satisfied with the resolution.")
    score: int = Field(ge=1, le=5, description="Satisfaction score, 1 (worst) to 5 (best).")
    comment: str | None = Field(None, max_length=2000, description="Anything to add.")
    acknowledged: bool = Field(
        False, description="Not satisfied, but accepting the solution: the complaint closes."
    )


class FollowUpStatus(BaseModel):
    """What the anonymous submitter may read about their complaint."""

    complaint_no: str = Field(description="The complaint number.")
    status: Status = Field(description="The status code.")
    status_label: dict[str, str] = Field(description="The status for people, zh-CN and en.")
    received_at: datetime = Field(description="When it was received (UTC).")
    resolution: str | None = Field(description="The department's latest reply, once resolved.")
    revisit_open: bool = Field(description="True while the revisit waits for the submitter's answer.")
    stream_version: int = Field(description="The complaint's stream version.")


# --- personal data (admins) ------------------------------------------------------------------


class ComplainantLookup(BaseModel):
    """An identifier the complainant gave."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["phone", "email", "customer_id", "employee_id", "id_number"] = Field(
        description="Which identifier."
    )
    value: str = Field(min_length=1, max_length=320, description="The phone number, email, ... as given.")


class ComplainantFound(BaseModel):
    complainant_id: UUID = Field(description="The pseudonymous complainant id.")
    complaints: list[str] = Field(description="Numbers of the complainant's complaints, oldest first.")


class ErasureDone(BaseModel):
    complainant_id: UUID = Field(description="The complainant whose key was deleted.")
    complaints: list[str] = Field(
        description="The complaints that got a ComplainantDataErased event (their personal data is "
        "unreadable now)."
    )
