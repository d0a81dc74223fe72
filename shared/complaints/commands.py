"""Commands to the complaint aggregate, in the imperative.

Every command carries who asks (``actor``) and the handler's clock reading (``at``), so the
domain never reads a clock. Pydantic validates shape only; whether a command is allowed is
``decide``'s business, and a refusal becomes a ``CommandRejected`` event.
"""

from __future__ import annotations

from typing import ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.complaints.events import Assessment, Attachment, ImportedHistory, IndustrialDetails
from shared.complaints.values import (
    Category,
    Channel,
    ComplainantKind,
    Grade,
    ProgressKind,
    SlaStage,
    Status,
    UtcDatetime,
)
from shared.durations import PositiveDuration
from shared.events.envelope import Actor
from shared.privacy.sealed import SealedPersonalData


class Command(BaseModel):
    """Base of every complaint command."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verb: ClassVar[str] = "handle"
    """What the command does, in English, to fill in rejection reasons ("cannot {verb} ...")."""
    verb_zh: ClassVar[str] = "处理"
    """What the command does, in Chinese, to fill in rejection reasons."""
    opens_stream: ClassVar[bool] = False
    """True for the commands that may start a new stream (receive, return for correction)."""

    actor: Actor = Field(description="Who asks, in which role (and for which department).")
    at: UtcDatetime = Field(description="When the handler took the command (UTC), from its clock.")

    @classmethod
    def name(cls) -> str:
        return cls.__name__


class ReceiveComplaint(Command):
    """Record a new complaint (受理)."""

    verb: ClassVar[str] = "receive"
    verb_zh: ClassVar[str] = "受理"
    opens_stream: ClassVar[bool] = True

    complaint_no: str = Field(description="The new complaint's unique number.", min_length=1)
    channel: Channel = Field(description="The channel it came in through.")
    complainant_kind: ComplainantKind = Field(description="Customer/partner or employee.")
    complainant_id: UUID | None = Field(None, description="Pseudonymous complainant id; null when anonymous.")
    personal_data: SealedPersonalData | None = Field(
        None, description="Identity and contact, already sealed by intake; null when anonymous."
    )
    anonymous: bool = Field(False, description="True when the complainant stays anonymous.")
    category: Category = Field(description="What the complaint is about.")
    grade: Grade = Field(Grade.GENERAL, description="Severity grade.")
    subject: str = Field(description="Short subject line.", min_length=1)
    content: str = Field(description="What the complainant said, in full.", min_length=1)
    product_refs: list[str] = Field(default_factory=list, description="Product or service codes involved.")
    order_refs: list[str] = Field(default_factory=list, description="Order numbers involved.")
    received_at: UtcDatetime | None = Field(
        None, description="When the channel received it (UTC); defaults to the command's time."
    )
    submission_id: str | None = Field(None, description="The channel's idempotency key, if any.")
    industrial: IndustrialDetails | None = Field(None, description="Shipment and defect details, if any.")
    attachments: list[Attachment] = Field(default_factory=list, description="Attachments' names and sizes.")
    assessment: Assessment | None = Field(None, description="Intake's automatic assessment, if made.")
    imported: ImportedHistory | None = Field(
        None, description="Set by `tousu import` for a complaint from another system's records."
    )

    @model_validator(mode="after")
    def _anonymity(self) -> Self:
        if self.imported is not None:
            received = self.received_at or self.at
            for when in (self.imported.resolved_at, self.imported.closed_at):
                if when is not None and not received <= when <= self.at:
                    raise ValueError("an imported outcome's dates lie between its receipt and the import")
        if self.anonymous and self.personal_data is not None:
            raise ValueError("an anonymous complaint must not carry the complainant's details")
        if not self.anonymous and self.personal_data is None:
            raise ValueError("a complaint by name needs the complainant's (sealed) details")
        return self


class RegradeComplaint(Command):
    """Change the complaint's grade (改级), giving the reason."""

    verb: ClassVar[str] = "regrade"
    verb_zh: ClassVar[str] = "改级"

    grade: Grade = Field(description="The new grade.")
    reason: str = Field(description="Why the grade changes.", min_length=1)


class AcknowledgeComplaint(Command):
    """Record that the complainant was told the complaint was received."""

    verb: ClassVar[str] = "acknowledge"
    verb_zh: ClassVar[str] = "确认收到"

    via: str = Field(description="The notifier that sent the acknowledgement.", min_length=1)
    message_key: str = Field(description="Key of the message template sent.", min_length=1)


class AssignComplaint(Command):
    """Dispatch the complaint to its responsible department (派单)."""

    verb: ClassVar[str] = "assign"
    verb_zh: ClassVar[str] = "派单"

    department: str = Field(description="Code of the responsible department.", min_length=1)
    rule: str = Field("manual", description="The routing rule that chose it, or 'manual'.", min_length=1)
    note: str | None = Field(None, description="Instructions for the department.")


class AcceptComplaint(Command):
    """The responsible department signs for the complaint (签收)."""

    verb: ClassVar[str] = "accept"
    verb_zh: ClassVar[str] = "签收"

    agent: str | None = Field(
        None, description="Id of the person who will handle it; defaults to the actor's id.", min_length=1
    )


class RecordProgress(Command):
    """Record progress in handling the complaint."""

    verb: ClassVar[str] = "record progress on"
    verb_zh: ClassVar[str] = "登记进展"

    note: str = Field(description="What was done or found.", min_length=1)
    kind: ProgressKind = Field(
        ProgressKind.UPDATE, description="update (a progress update) or plan (the initial plan)."
    )


class ResolveComplaint(Command):
    """Reply with the result and its reasons (答复)."""

    verb: ClassVar[str] = "resolve"
    verb_zh: ClassVar[str] = "答复"

    resolution: str = Field(description="The result and the reasons.", min_length=1)
    root_cause: str | None = Field(None, description="The root cause found, if any.")


class TransferComplaint(Command):
    """Hand the complaint to another department (转派)."""

    verb: ClassVar[str] = "transfer"
    verb_zh: ClassVar[str] = "转派"

    to_department: str = Field(description="Code of the department to take it over.", min_length=1)
    reason: str = Field(description="Why it is transferred.", min_length=1)


class EscalateComplaint(Command):
    """Escalate the complaint (升级); work on it goes on."""

    verb: ClassVar[str] = "escalate"
    verb_zh: ClassVar[str] = "升级"

    level: int | None = Field(
        None, description="Level to escalate to; defaults to one above the current level.", ge=1
    )
    to_role: str = Field("supervisor", description="Who it is escalated to.", min_length=1)
    reason: str = Field(description="Why it is escalated.", min_length=1)
    stage: SlaStage | None = Field(None, description="The time limit that caused it, if an SLA did.")


class ScheduleRevisit(Command):
    """Schedule the revisit (回访) of a resolved complaint."""

    verb: ClassVar[str] = "schedule a revisit for"
    verb_zh: ClassVar[str] = "安排回访"

    due_at: UtcDatetime = Field(description="When the revisit is due (UTC).")


class GiveFeedback(Command):
    """Record whether the complainant is satisfied with the resolution."""

    verb: ClassVar[str] = "give feedback on"
    verb_zh: ClassVar[str] = "评价"

    satisfied: bool = Field(description="True when the complainant is satisfied.")
    score: int = Field(description="Satisfaction score, 1 to 5; anything else is refused.")
    comment: str | None = Field(None, description="What the complainant added.")
    acknowledged: bool = Field(
        False,
        description="A complainant who is not satisfied but explicitly accepts the solution: "
        "the complaint closes instead of reopening.",
    )


class ReopenComplaint(Command):
    """A supervisor reopens a closed complaint."""

    verb: ClassVar[str] = "reopen"
    verb_zh: ClassVar[str] = "重新打开"

    reason: str = Field(description="Why it is reopened.", min_length=1)
    department: str | None = Field(
        None, description="Department to handle it again; defaults to the last responsible one.", min_length=1
    )


class WithdrawComplaint(Command):
    """The complainant withdraws the complaint (撤诉)."""

    verb: ClassVar[str] = "withdraw"
    verb_zh: ClassVar[str] = "撤回"

    reason: str = Field(description="Why it is withdrawn.", min_length=1)


class CloseAsNotAComplaint(Command):
    """Close with thanks something that is not a complaint (无效投诉); it still counts."""

    verb: ClassVar[str] = "close as not a complaint"
    verb_zh: ClassVar[str] = "按非投诉结案"

    reason: str = Field(description="Why it is not a complaint.", min_length=1)


class RaiseSlaWarning(Command):
    """The SLA service warns that a time limit is about to run out."""

    verb: ClassVar[str] = "raise an SLA warning on"
    verb_zh: ClassVar[str] = "发出时限预警"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When it runs out (UTC).")
    fraction: float = Field(description="Share of the allowed time already used.", gt=0, le=1)


class RecordSlaBreach(Command):
    """The SLA service records that a time limit ran out."""

    verb: ClassVar[str] = "record an SLA breach on"
    verb_zh: ClassVar[str] = "记录超时"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When it ran out (UTC).")


class PutComplaintOnHold(Command):
    """The department waits on the complainant (等待投诉人); the resolution and progress clocks pause."""

    verb: ClassVar[str] = "put on hold"
    verb_zh: ClassVar[str] = "挂起等待投诉人"

    reason: str = Field(description="What the department waits for.", min_length=1)


class ResumeComplaint(Command):
    """The wait on the complainant is over; the paused clocks run again."""

    verb: ClassVar[str] = "resume"
    verb_zh: ClassVar[str] = "恢复处理"

    note: str | None = Field(None, description="What the complainant provided, if anything.")


class RequestSlaExtension(Command):
    """Ask for more time on one time limit, with the complainant's consent (延期申请).

    The SLA service, which owns the business calendar, fills in ``deadline`` and ``notice_until``;
    the request is refused when the deadline comes less than one working day after it."""

    verb: ClassVar[str] = "request an extension for"
    verb_zh: ClassVar[str] = "申请延期"

    stage: SlaStage = Field(description="Which time limit.")
    extension: PositiveDuration = Field(description="Extra time asked for (ISO-8601, e.g. P2D, PT8H).")
    reason: str = Field(description="Why the deadline cannot be met.", min_length=1)
    consent_via: str = Field(description="How the complainant agreed (phone, sms, email ...).", min_length=1)
    consent_at: UtcDatetime = Field(description="When the complainant agreed (UTC).")
    consent_note: str | None = Field(None, description="What was agreed, e.g. the call reference.")
    deadline: UtcDatetime = Field(description="The stage's current deadline (UTC).")
    notice_until: UtcDatetime = Field(
        description="One working day after the request, on the business calendar: the deadline "
        "must not come earlier."
    )


class ApproveSlaExtension(Command):
    """A supervisor approves the pending extension of one time limit."""

    verb: ClassVar[str] = "approve an extension for"
    verb_zh: ClassVar[str] = "批准延期"

    stage: SlaStage = Field(description="Which time limit.")
    note: str | None = Field(None, description="The supervisor's note.")


class DeclineSlaExtension(Command):
    """A supervisor declines the pending extension of one time limit."""

    verb: ClassVar[str] = "decline an extension for"
    verb_zh: ClassVar[str] = "驳回延期"

    stage: SlaStage = Field(description="Which time limit.")
    reason: str = Field(description="Why it is declined.", min_length=1)


class LinkPossibleDuplicate(Command):
    """Link a just-received complaint to an earlier one as a possible duplicate (intake)."""

    verb: ClassVar[str] = "link as a possible duplicate"
    verb_zh: ClassVar[str] = "标记疑似重复"

    of: str = Field(description="Number of the earlier complaint.", min_length=1)
    rule: str = Field(description="The duplicate rule that found it.", min_length=1)
    window_days: int = Field(description="The rule's window in days.", ge=1)
    similarity: float = Field(description="Subject similarity, 0 to 1.", ge=0, le=1)


class MergeComplaint(Command):
    """A supervisor merges this complaint (a duplicate) into a surviving one (合并)."""

    verb: ClassVar[str] = "merge"
    verb_zh: ClassVar[str] = "合并"

    into: str = Field(description="Number of the surviving complaint.", min_length=1)
    reason: str = Field(description="Why they are merged.", min_length=1)
    into_status: Status | None = Field(
        description="The surviving complaint's status as the handler read it; null: no such complaint."
    )


class ReturnForCorrection(Command):
    """Return a submission that lacks required fields to its channel (退回补正), on a new stream."""

    verb: ClassVar[str] = "return for correction"
    verb_zh: ClassVar[str] = "退回补正"
    opens_stream: ClassVar[bool] = True

    complaint_no: str = Field(description="The number reserved for the complaint.", min_length=1)
    channel: Channel = Field(description="The channel it came in through.")
    channel_id: str | None = Field(None, description="The channel system that sent it.")
    submission_id: str = Field(description="The channel's id of the submission.", min_length=1)
    missing_fields: list[str] = Field(description="The required fields that are missing.", min_length=1)
    due_at: UtcDatetime = Field(description="When the correction lapses (UTC).")


class LapseCorrection(Command):
    """Intake records that a returned submission was not corrected in time."""

    verb: ClassVar[str] = "lapse the correction of"
    verb_zh: ClassVar[str] = "逾期结束补正"


class RecordMergedDuplicate(Command):
    """Record on the surviving complaint that a duplicate was merged into it."""

    verb: ClassVar[str] = "record a merged duplicate on"
    verb_zh: ClassVar[str] = "记录合并的重复投诉"

    duplicate: str = Field(description="Number of the complaint merged into this one.", min_length=1)
    reason: str = Field(description="Why they were merged.", min_length=1)


ComplaintCommand = (
    ReceiveComplaint
    | RegradeComplaint
    | AcknowledgeComplaint
    | AssignComplaint
    | AcceptComplaint
    | RecordProgress
    | ResolveComplaint
    | TransferComplaint
    | EscalateComplaint
    | ScheduleRevisit
    | GiveFeedback
    | ReopenComplaint
    | WithdrawComplaint
    | CloseAsNotAComplaint
    | RaiseSlaWarning
    | RecordSlaBreach
    | PutComplaintOnHold
    | ResumeComplaint
    | RequestSlaExtension
    | ApproveSlaExtension
    | DeclineSlaExtension
    | LinkPossibleDuplicate
    | MergeComplaint
    | ReturnForCorrection
    | LapseCorrection
    | RecordMergedDuplicate
)
"""Any command to the complaint aggregate."""

ALL_COMMANDS: tuple[type[Command], ...] = (
    ReceiveComplaint,
    RegradeComplaint,
    AcknowledgeComplaint,
    AssignComplaint,
    AcceptComplaint,
    RecordProgress,
    ResolveComplaint,
    TransferComplaint,
    EscalateComplaint,
    ScheduleRevisit,
    GiveFeedback,
    ReopenComplaint,
    WithdrawComplaint,
    CloseAsNotAComplaint,
    RaiseSlaWarning,
    RecordSlaBreach,
    LinkPossibleDuplicate,
    MergeComplaint,
    ReturnForCorrection,
    LapseCorrection,
    RecordMergedDuplicate,
)
