"""Events of a complaint's stream (one stream per complaint, keyed by the complaint number).

Every event is named in the past tense and registered in :data:`COMPLAINT_EVENTS`. Field
descriptions are the documentation channels and departments read, so every field has one.
A rejected command is an event too (:class:`CommandRejected`): it is appended to the stream
and changes nothing but the stream's version.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.complaints.values import (
    Category,
    Channel,
    CloseReason,
    ComplainantKind,
    Grade,
    ProgressKind,
    ReopenTrigger,
    SlaStage,
    UtcDatetime,
)
from shared.durations import IsoDuration
from shared.events.envelope import Event
from shared.events.registry import EventRegistry
from shared.privacy.sealed import SealedPersonalData

COMPLAINT_EVENTS = EventRegistry()
"""Every event type of the complaint stream."""


class Complainant(BaseModel):
    """Who complains, when not anonymous. Personal data: every field is sealed with the
    complainant's own key before it enters an event (see :class:`SealedPersonalData`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Name or nickname the complainant gave.", min_length=1)
    phone: str | None = Field(None, description="Contact phone number.")
    email: str | None = Field(None, description="Contact email address.")
    customer_id: str | None = Field(None, description="Customer number, for customers and partners.")
    employee_id: str | None = Field(None, description="Employee number, for employees.")
    department: str | None = Field(None, description="The employee's own department code, for employees.")
    address: str | None = Field(None, description="Postal address.", max_length=500)
    id_number: str | None = Field(
        None, description="Identity document number (resident ID card, passport, ...).", max_length=64
    )


def check_anonymity(anonymous: bool, complainant: Complainant | None) -> None:
    """Anonymous complaints carry no identity; complaints by name carry one."""
    if anonymous and complainant is not None:
        raise ValueError("an anonymous complaint must not carry the complainant's details")
    if not anonymous and complainant is None:
        raise ValueError("a complaint by name needs the complainant's details")


class IndustrialDetails(BaseModel):
    """What an industrial (manufacturing) complaint about a delivered product must say."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_no: str | None = Field(None, description="Product (part) number.", min_length=1, max_length=64)
    shipment_date: date | None = Field(None, description="When the shipment was delivered (ISO date).")
    shipment_quantity: int | None = Field(None, description="How many units were shipped.", ge=1)
    defect_rate: float | None = Field(
        None, description="Share of the shipment found defective, 0 to 1 (0.3 = 30%).", ge=0, le=1
    )
    found_at: str | None = Field(
        None,
        description="Where the defect was found, e.g. incoming inspection.",
        min_length=1,
        max_length=200,
    )


class Attachment(BaseModel):
    """An attachment's metadata (the file itself is kept by the channel, not in the event)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="File name as sent.", min_length=1, max_length=255)
    size_bytes: int = Field(description="Size in bytes.", ge=0)


class Assessment(BaseModel):
    """Intake's automatic assessment of a new complaint, with the policy rules that decided it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme: str = Field(description="The organisation's grading scheme, e.g. general_complex_urgent.")
    grade_rule: str = Field(
        description="The rule that set the grade (the most severe that fired), or 'default'.", min_length=1
    )
    rules_fired: list[str] = Field(
        default_factory=list, description="Every grading rule that matched, in policy order."
    )
    valid: bool = Field(True, description="False when a rule found it is not a complaint (无效投诉).")
    validity_rule: str | None = Field(None, description="The rule that found it is not a complaint.")


class HistoricalOutcome(StrEnum):
    """Where an imported complaint stood in the system it came from (导入历史投诉的办理结果)."""

    OPEN = "open"
    """Still being handled: it is dispatched and worked like a new one, its clocks from the import."""
    RESOLVED = "resolved"
    """Replied to (已答复) on ``resolved_at``; no revisit is scheduled for history."""
    CLOSED = "closed"
    """Closed (已办结) on ``closed_at``."""


class ImportedHistory(BaseModel):
    """Marks a complaint brought in from another system's records (``tousu import``), not
    received live: its clocks are history, never fired as breaches, and nobody is notified of it.
    What had become of it there (the outcome and its dates) comes with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(
        description="The name the import gave the system the records came from, e.g. legacy-crm.",
        min_length=1,
        max_length=64,
    )
    row_id: str = Field(description="The record's id in that system (unique per source).", min_length=1)
    outcome: HistoricalOutcome = Field(
        HistoricalOutcome.OPEN, description="open, resolved or closed, as the records say."
    )
    department: str | None = Field(
        None, description="Code of the department that handled it, if the records say.", min_length=1
    )
    resolution: str | None = Field(None, description="The reply recorded there, if any.", min_length=1)
    resolved_at: UtcDatetime | None = Field(None, description="When it was resolved (UTC).")
    closed_at: UtcDatetime | None = Field(None, description="When it was closed (UTC).")

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.outcome is HistoricalOutcome.RESOLVED and self.resolved_at is None:
            raise ValueError("a resolved imported complaint needs resolved_at")
        if self.outcome is HistoricalOutcome.CLOSED and self.closed_at is None:
            raise ValueError("a closed imported complaint needs closed_at")
        if self.outcome is HistoricalOutcome.OPEN and (self.resolved_at or self.closed_at):
            raise ValueError("an open imported complaint has no resolved_at or closed_at")
        if self.outcome is HistoricalOutcome.RESOLVED and self.closed_at is not None:
            raise ValueError("a resolved (not closed) imported complaint has no closed_at")
        return self


@COMPLAINT_EVENTS.register
class ComplaintReceived(Event):
    """A complaint was received and recorded (受理); the first event of every complaint."""

    event_type: ClassVar[str] = "ComplaintReceived"
    schema_version: ClassVar[int] = 2

    complaint_no: str = Field(description="The complaint's unique number; also its stream id.", min_length=1)
    channel: Channel = Field(description="The channel the complaint came in through.")
    complainant_kind: ComplainantKind = Field(
        description="Whether a customer/partner or an employee complains."
    )
    complainant_id: UUID | None = Field(
        None,
        description="Pseudonymous id of the complainant (random; the same person keeps it); null when "
        "anonymous, or for a complaint recorded before personal data was encrypted (schema 1).",
    )
    personal_data: SealedPersonalData | None = Field(
        None,
        description="The complainant's name, contact, address and ID numbers, sealed with their own key "
        "(AES-256-GCM, AAD = complaint number); null when anonymous. Unreadable once erased.",
    )
    anonymous: bool = Field(
        False, description="True when the complainant chose to stay anonymous; no identity is kept."
    )
    category: Category = Field(description="What the complaint is about.")
    grade: Grade = Field(Grade.GENERAL, description="Severity grade, in the organisation's grading scheme.")
    subject: str = Field(description="Short subject line.", min_length=1)
    content: str = Field(description="What the complainant said, in full.", min_length=1)
    product_refs: list[str] = Field(
        default_factory=list, description="Product or service codes the complaint is about."
    )
    order_refs: list[str] = Field(default_factory=list, description="Order numbers the complaint is about.")
    received_at: UtcDatetime = Field(description="When the complaint was received (UTC).")
    submission_id: str | None = Field(
        None, description="The channel's idempotency key for the submission, if it sent one."
    )
    industrial: IndustrialDetails | None = Field(
        None, description="Shipment and defect details of an industrial complaint, if given."
    )
    attachments: list[Attachment] = Field(default_factory=list, description="Attachments' names and sizes.")
    assessment: Assessment | None = Field(
        None, description="Intake's automatic grading and validity assessment; null if none was made."
    )
    imported: ImportedHistory | None = Field(
        None,
        description="Set when the complaint was imported from another system's records (history, "
        "not a live receipt), with the outcome recorded there; null for every live submission.",
    )

    @model_validator(mode="after")
    def _anonymity(self) -> Self:
        if self.anonymous and (self.complainant_id is not None or self.personal_data is not None):
            raise ValueError("an anonymous complaint must not carry the complainant's details")
        if (self.complainant_id is None) != (self.personal_data is None):
            raise ValueError("complainant_id and personal_data come together")
        if self.personal_data is not None and self.personal_data.key_id != self.complainant_id:
            raise ValueError("personal_data must be sealed with the complainant's own key")
        return self


@COMPLAINT_EVENTS.upcaster("ComplaintReceived", 1)
def _received_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 carried the complainant in plaintext. Decided: upcasting drops it, and nothing
    downstream ever sees it (no key exists to seal it on read, and read models must not copy
    plaintext). The version-1 rows themselves cannot be rewritten (the store is append-only);
    docs/privacy.md says how such legacy data is handled."""
    payload.pop("complainant", None)
    payload["complainant_id"] = None
    payload["personal_data"] = None
    return payload


@COMPLAINT_EVENTS.register
class ComplaintRegraded(Event):
    """A person changed the complaint's grade (改级), with the reason."""

    event_type: ClassVar[str] = "ComplaintRegraded"

    grade: Grade = Field(description="The new grade.")
    previous_grade: Grade = Field(description="The grade before.")
    reason: str = Field(description="Why the grade was changed.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintAcknowledged(Event):
    """The complainant was told the complaint was received (确认收到)."""

    event_type: ClassVar[str] = "ComplaintAcknowledged"

    via: str = Field(
        description="The notifier that sent the acknowledgement, e.g. sms or email.", min_length=1
    )
    message_key: str = Field(description="Key of the message template sent.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintAssigned(Event):
    """The complaint was dispatched to its responsible department (派单)."""

    event_type: ClassVar[str] = "ComplaintAssigned"

    department: str = Field(description="Code of the department now responsible.", min_length=1)
    rule: str = Field(description="The routing rule that chose the department, or 'manual'.", min_length=1)
    note: str | None = Field(None, description="Instructions for the department.")


@COMPLAINT_EVENTS.register
class ComplaintAccepted(Event):
    """The responsible department signed for the complaint (签收)."""

    event_type: ClassVar[str] = "ComplaintAccepted"

    department: str = Field(description="Code of the department that accepted it.", min_length=1)
    agent: str = Field(description="Id of the person who will handle it.", min_length=1)


@COMPLAINT_EVENTS.register
class ProgressRecorded(Event):
    """The department recorded progress in handling the complaint."""

    event_type: ClassVar[str] = "ProgressRecorded"

    department: str = Field(description="Code of the department handling it.", min_length=1)
    note: str = Field(description="What was done or found.", min_length=1)
    kind: ProgressKind = Field(
        ProgressKind.UPDATE,
        description="update: a progress update (restarts the progress clock); plan: the initial plan.",
    )


@COMPLAINT_EVENTS.register
class ComplaintResolved(Event):
    """The department replied with the result and its reasons (答复)."""

    event_type: ClassVar[str] = "ComplaintResolved"

    department: str = Field(description="Code of the department that resolved it.", min_length=1)
    resolution: str = Field(description="The result and the reasons given to the complainant.", min_length=1)
    root_cause: str | None = Field(None, description="The root cause found, if any.")


@COMPLAINT_EVENTS.register
class ComplaintTransferred(Event):
    """The complaint moved to another department, which must now accept it (转派)."""

    event_type: ClassVar[str] = "ComplaintTransferred"

    from_department: str = Field(description="Code of the department that gave it up.", min_length=1)
    to_department: str = Field(description="Code of the department now responsible.", min_length=1)
    reason: str = Field(description="Why it was transferred.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintEscalated(Event):
    """The complaint was escalated (升级); the department keeps working on it."""

    event_type: ClassVar[str] = "ComplaintEscalated"

    level: int = Field(description="Escalation level reached, 1 and up.", ge=1)
    to_role: str = Field(description="Who it was escalated to, e.g. supervisor or director.", min_length=1)
    reason: str = Field(description="Why it was escalated.", min_length=1)
    stage: SlaStage | None = Field(None, description="The time limit that caused it, when an SLA did.")


@COMPLAINT_EVENTS.register
class RevisitScheduled(Event):
    """A revisit (回访) of the complainant was scheduled after the resolution."""

    event_type: ClassVar[str] = "RevisitScheduled"

    due_at: UtcDatetime = Field(description="When the revisit is due (UTC).")


@COMPLAINT_EVENTS.register
class FeedbackReceived(Event):
    """The complainant said whether they are satisfied with the resolution."""

    event_type: ClassVar[str] = "FeedbackReceived"

    satisfied: bool = Field(description="True when the complainant is satisfied.")
    score: int = Field(description="Satisfaction score, 1 (worst) to 5 (best).", ge=1, le=5)
    comment: str | None = Field(None, description="What the complainant added, if anything.")
    acknowledged: bool = Field(
        False,
        description="True when a complainant who is not satisfied still explicitly accepts the solution.",
    )


@COMPLAINT_EVENTS.register
class ComplaintClosed(Event):
    """The complaint was closed and archived (结案归档)."""

    event_type: ClassVar[str] = "ComplaintClosed"

    reason: CloseReason = Field(
        description="satisfied, or acknowledged: the complainant accepted the solution, not satisfied."
    )


@COMPLAINT_EVENTS.register
class ComplaintReopened(Event):
    """The complaint went back to a department to be handled again; it stays flagged as reopened."""

    event_type: ClassVar[str] = "ComplaintReopened"

    department: str = Field(description="Code of the department that must handle it again.", min_length=1)
    reason: str = Field(description="Why it was reopened.", min_length=1)
    reopen_count: int = Field(
        description="How many times this complaint has been reopened, this one included.", ge=1
    )
    trigger: ReopenTrigger = Field(
        description="feedback: the complainant was not satisfied; supervisor: a supervisor reopened it."
    )


@COMPLAINT_EVENTS.register
class ComplaintWithdrawn(Event):
    """The complainant withdrew the complaint (撤诉)."""

    event_type: ClassVar[str] = "ComplaintWithdrawn"

    reason: str = Field(description="Why it was withdrawn.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintClosedAsNotAComplaint(Event):
    """Not a complaint (无效投诉): acknowledged with thanks and closed; it still counts in statistics."""

    event_type: ClassVar[str] = "ComplaintClosedAsNotAComplaint"

    reason: str = Field(description="Why it is not a complaint.", min_length=1)


@COMPLAINT_EVENTS.register
class SlaWarningRaised(Event):
    """A time limit is about to run out. Raised by the SLA service; the status does not change."""

    event_type: ClassVar[str] = "SlaWarningRaised"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When the time limit runs out (UTC).")
    fraction: float = Field(description="Share of the allowed time already used, e.g. 0.8.", gt=0, le=1)


@COMPLAINT_EVENTS.register
class SlaBreached(Event):
    """A time limit ran out. Recorded by the SLA service; the status does not change."""

    event_type: ClassVar[str] = "SlaBreached"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When the time limit ran out (UTC).")
    department: str | None = Field(
        description="Code of the department responsible at the breach; null before assignment."
    )


@COMPLAINT_EVENTS.register
class SlaCalendarYearUnknown(Event):
    """A working-time deadline reaches into a year whose public holidays the SLA calendar does not
    know: it was counted on plain weekdays there. A warning for people; the status does not change."""

    event_type: ClassVar[str] = "SlaCalendarYearUnknown"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="The deadline as counted on plain weekdays (UTC).")
    years: list[int] = Field(description="The years the calendar does not know, e.g. [2027].", min_length=1)
    message: str = Field(description="The warning for people, in English.", min_length=1)
    message_zh: str = Field(description="The warning for people, in Simplified Chinese.", min_length=1)


@COMPLAINT_EVENTS.register
class CommandRejected(Event):
    """A command was refused and nothing changed. Kept on the stream as the audit trail."""

    event_type: ClassVar[str] = "CommandRejected"

    command: str = Field(description="Name of the refused command, e.g. ResolveComplaint.", min_length=1)
    reason_code: str = Field(description="Stable machine-readable reason, e.g. not_assigned.", min_length=1)
    reason: str = Field(description="Why it was refused, in English.", min_length=1)
    reason_zh: str = Field(description="Why it was refused, in Simplified Chinese.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintPutOnHold(Event):
    """The department is waiting on the complainant (等待投诉人): the resolution and progress
    clocks pause until the complaint is resumed; the paused time does not count."""

    event_type: ClassVar[str] = "ComplaintPutOnHold"

    department: str = Field(description="Code of the department waiting.", min_length=1)
    reason: str = Field(description="What the department waits for, e.g. photos of the defect.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintResumed(Event):
    """The wait on the complainant ended; the paused clocks run again."""

    event_type: ClassVar[str] = "ComplaintResumed"

    department: str = Field(description="Code of the department handling it.", min_length=1)
    on_hold_since: UtcDatetime = Field(description="When the complaint was put on hold (UTC).")
    note: str | None = Field(None, description="What the complainant provided, if anything.")


@COMPLAINT_EVENTS.register
class SlaExtensionRequested(Event):
    """The department asked for more time on one time limit (延期申请), with the complainant's
    consent; a supervisor approves or declines it."""

    event_type: ClassVar[str] = "SlaExtensionRequested"

    stage: SlaStage = Field(description="Which time limit.")
    department: str = Field(description="Code of the department asking.", min_length=1)
    deadline: UtcDatetime = Field(description="The deadline when asked (UTC).")
    extension: IsoDuration = Field(
        description="Extra time asked for, ISO-8601 (P2D; days are working days on a working-time limit)."
    )
    reason: str = Field(description="Why the deadline cannot be met.", min_length=1)
    consent_via: str = Field(
        description="How the complainant agreed, e.g. phone, sms, email, in_person.", min_length=1
    )
    consent_at: UtcDatetime = Field(description="When the complainant agreed (UTC).")
    consent_note: str | None = Field(None, description="What was agreed, e.g. the call reference.")


@COMPLAINT_EVENTS.register
class SlaExtensionApproved(Event):
    """A supervisor approved the extension: the stage's deadline moves by the extension."""

    event_type: ClassVar[str] = "SlaExtensionApproved"

    stage: SlaStage = Field(description="Which time limit.")
    extension: IsoDuration = Field(description="Extra time granted, ISO-8601 (as requested).")
    note: str | None = Field(None, description="The supervisor's note, if any.")


@COMPLAINT_EVENTS.register
class SlaExtensionDeclined(Event):
    """A supervisor declined the extension: the deadline stays."""

    event_type: ClassVar[str] = "SlaExtensionDeclined"

    stage: SlaStage = Field(description="Which time limit.")
    reason: str = Field(description="Why it was declined.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplainantDataErased(Event):
    """The complainant's key was deleted (PIPL / GDPR erasure): the sealed personal data on this
    complaint can no longer be read by anyone. Carries no personal data; the status does not change."""

    event_type: ClassVar[str] = "ComplainantDataErased"

    complainant_id: UUID = Field(description="The pseudonymous id whose key was deleted.")
    reason: str = Field(
        description="Why, e.g. the complainant's erasure request reference (no personal data).",
        min_length=1,
        max_length=500,
    )


@COMPLAINT_EVENTS.register
class ComplaintLinkedAsPossibleDuplicate(Event):
    """Intake found an earlier complaint by the same complainant about the same subject within the
    policy's window: this one is linked to it as a possible duplicate (not merged; a supervisor
    decides)."""

    event_type: ClassVar[str] = "ComplaintLinkedAsPossibleDuplicate"

    of: str = Field(description="Number of the earlier complaint this one may duplicate.", min_length=1)
    rule: str = Field(
        description="Name of the duplicate rule of the intake policy that linked them.", min_length=1
    )
    window_days: int = Field(
        description="The rule's window: the earlier complaint is at most this old.", ge=1
    )
    similarity: float = Field(
        description="How alike the two normalised subjects are, 0 to 1 (1 = equal).", ge=0, le=1
    )


@COMPLAINT_EVENTS.register
class ComplaintMerged(Event):
    """A supervisor merged this complaint (a duplicate) into another: it ends here, and the
    surviving complaint is worked on instead (合并)."""

    event_type: ClassVar[str] = "ComplaintMerged"

    into: str = Field(description="Number of the surviving complaint.", min_length=1)
    reason: str = Field(description="Why the supervisor merged them.", min_length=1)


@COMPLAINT_EVENTS.register
class ComplaintReturnedForCorrection(Event):
    """A channel's submission lacked required fields: returned to the channel for correction (退回补正).
    The first event of its stream; the complaint is received only when the channel re-sends the
    same submission_id with the fields. It carries no personal data."""

    event_type: ClassVar[str] = "ComplaintReturnedForCorrection"

    complaint_no: str = Field(
        description="The number reserved for the complaint; also its stream id.", min_length=1
    )
    channel: Channel = Field(description="The channel the submission came in through.")
    channel_id: str | None = Field(None, description="The channel system that sent it (Kafka channel_id).")
    submission_id: str = Field(
        description="The channel's id of the submission; re-send it corrected.", min_length=1
    )
    missing_fields: list[str] = Field(description="The required fields that were missing.", min_length=1)
    due_at: UtcDatetime = Field(description="When the correction lapses if not received (UTC).")


@COMPLAINT_EVENTS.register
class ComplaintCorrectionLapsed(Event):
    """The channel did not correct a returned submission in time: it ends without being received."""

    event_type: ClassVar[str] = "ComplaintCorrectionLapsed"

    missing_fields: list[str] = Field(
        description="The required fields that were never supplied.", min_length=1
    )
    due_at: UtcDatetime = Field(description="When the correction was due (UTC).")


@COMPLAINT_EVENTS.register
class DuplicateMergedInto(Event):
    """A duplicate of this complaint was merged into it (on the surviving complaint's stream)."""

    event_type: ClassVar[str] = "DuplicateMergedInto"

    duplicate: str = Field(description="Number of the complaint merged into this one.", min_length=1)
    reason: str = Field(description="Why the supervisor merged them.", min_length=1)


ComplaintEvent = (
    ComplaintReceived
    | ComplaintRegraded
    | ComplaintAcknowledged
    | ComplaintAssigned
    | ComplaintAccepted
    | ProgressRecorded
    | ComplaintResolved
    | ComplaintTransferred
    | ComplaintEscalated
    | RevisitScheduled
    | FeedbackReceived
    | ComplaintClosed
    | ComplaintReopened
    | ComplaintWithdrawn
    | ComplaintClosedAsNotAComplaint
    | SlaWarningRaised
    | SlaBreached
    | SlaCalendarYearUnknown
    | CommandRejected
    | ComplaintPutOnHold
    | ComplaintResumed
    | SlaExtensionRequested
    | SlaExtensionApproved
    | SlaExtensionDeclined
    | ComplainantDataErased
    | ComplaintLinkedAsPossibleDuplicate
    | ComplaintMerged
    | ComplaintReturnedForCorrection
    | ComplaintCorrectionLapsed
    | DuplicateMergedInto
)
"""Any event of the complaint stream."""

PRE_RECEIPT_EVENTS: frozenset[str] = frozenset(
    {ComplaintReturnedForCorrection.event_type, ComplaintCorrectionLapsed.event_type}
)
"""Events that may come before ComplaintReceived on a stream (a submission returned for
correction): projections of received complaints skip them until ComplaintReceived arrives."""
