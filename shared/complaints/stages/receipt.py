"""Receipt (受理): a complaint is received and acknowledged, or its submission is returned to the
channel for correction (退回补正) first, and lapses when not corrected in time."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    SERVICE,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    require,
    titled,
)
from shared.complaints.stages.eight_d import opening
from shared.complaints.values import (
    Category,
    Channel,
    ComplainantKind,
    EightDTrigger,
    Grade,
    Label,
    Status,
    UtcDatetime,
)
from shared.events.disclosure import FREE_TEXT, PERSONAL, SHOWN, WITHHELD, Code, FreeText
from shared.events.envelope import Event, Role
from shared.privacy.sealed import SealedPersonalData

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState


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
    recurrence: bool = Field(
        False, description="True when the recurrence rule decided the grade (it opens an 8D case as such)."
    )


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


# -- received ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintReceived(ComplaintEvent):
    """A complaint was received and recorded (受理); the first event of every complaint."""

    title: ClassVar[Label] = titled("受理投诉", "Complaint received")
    schema_version: ClassVar[int] = 2

    complaint_no: Annotated[str, WITHHELD] = Field(
        description="The complaint's unique number; also its stream id.", min_length=1
    )
    channel: Channel = Field(description="The channel the complaint came in through.")
    complainant_kind: ComplainantKind = Field(
        description="Whether a customer/partner or an employee complains."
    )
    complainant_id: Annotated[UUID | None, PERSONAL] = Field(
        None,
        description="Pseudonymous id of the complainant (random; the same person keeps it); null when "
        "anonymous, or for a complaint recorded before personal data was encrypted (schema 1).",
    )
    personal_data: Annotated[SealedPersonalData | None, PERSONAL] = Field(
        None,
        description="The complainant's name, contact, address and ID numbers, sealed with their own key "
        "(AES-256-GCM, AAD = complaint number); null when anonymous. Unreadable once erased.",
    )
    anonymous: bool = Field(
        False, description="True when the complainant chose to stay anonymous; no identity is kept."
    )
    category: Category = Field(description="What the complaint is about.")
    grade: Grade = Field(Grade.GENERAL, description="Severity grade, in the organisation's grading scheme.")
    # the subject names the problem, not the person (the intake form asks for it so); lists show it
    subject: Annotated[str, SHOWN] = Field(description="Short subject line.", min_length=1)
    content: FreeText = Field(description="What the complainant said, in full.", min_length=1)
    # product codes, not personal data: the high-frequency problems need them
    product_refs: list[Code] = Field(
        default_factory=list, description="Product or service codes the complaint is about."
    )
    order_refs: list[Annotated[str, PERSONAL]] = Field(
        default_factory=list, description="Order numbers the complaint is about."
    )
    received_at: UtcDatetime = Field(description="When the complaint was received (UTC).")
    submission_id: Annotated[str | None, WITHHELD] = Field(
        None, description="The channel's idempotency key for the submission, if it sent one."
    )
    industrial: Annotated[IndustrialDetails | None, FREE_TEXT] = Field(
        None, description="Shipment and defect details of an industrial complaint, if given."
    )
    attachments: Annotated[list[Attachment], FREE_TEXT] = Field(
        default_factory=list, description="Attachments' names and sizes."
    )
    assessment: Annotated[Assessment | None, WITHHELD] = Field(
        None, description="Intake's automatic grading and validity assessment; null if none was made."
    )
    imported: Annotated[ImportedHistory | None, FREE_TEXT] = Field(
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


@decides(ReceiveComplaint, by=frozenset({Role.CHANNEL, Role.AGENT, Role.SERVICE}) | STAFF)
def _receive(state: ComplaintState, command: ReceiveComplaint) -> list[Event]:
    return [_received_event(command), *_eight_d(state, command)]


def _eight_d(state: ComplaintState, command: ReceiveComplaint) -> list[Event]:
    """A complaint received severe opens an 8D case (stages/eight_d.py); history does not, unless
    it is still open."""
    history = command.imported
    if history is not None and history.outcome is not HistoricalOutcome.OPEN:
        return []
    assessment = command.assessment
    recurrence = assessment is not None and assessment.recurrence
    trigger = EightDTrigger.RECURRENCE if recurrence else EightDTrigger.SEVERE_GRADE
    return opening(state, trigger, command.grade)


def _received_event(command: ReceiveComplaint) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_no=command.complaint_no,
        channel=command.channel,
        complainant_kind=command.complainant_kind,
        complainant_id=command.complainant_id,
        personal_data=command.personal_data,
        anonymous=command.anonymous,
        category=command.category,
        grade=command.grade,
        subject=command.subject,
        content=command.content,
        product_refs=list(command.product_refs),
        order_refs=list(command.order_refs),
        received_at=command.received_at or command.at,
        submission_id=command.submission_id,
        industrial=command.industrial,
        attachments=list(command.attachments),
        assessment=command.assessment,
        imported=command.imported,
    )


@evolves(ComplaintReceived)
def _received(s: Draft, event: ComplaintReceived, at: datetime | None) -> None:
    s.complaint_no = event.complaint_no
    s.status = Status.RECEIVED
    s.channel = event.channel
    s.category = event.category
    s.grade = event.grade
    s.complainant_kind = event.complainant_kind
    s.anonymous = event.anonymous
    s.received_at = event.received_at
    history = event.imported
    if history is not None and history.outcome is not HistoricalOutcome.OPEN:
        # history arrives with its outcome, dated as the records date it (not the import)
        closed = history.outcome is HistoricalOutcome.CLOSED
        s.status = Status.CLOSED if closed else Status.RESOLVED
        s.department = history.department
        s.resolved_at = history.resolved_at or history.closed_at
        s.closed_at = history.closed_at


# -- acknowledged -----------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintAcknowledged(ComplaintEvent):
    """The complainant was told the complaint was received (确认收到)."""

    title: ClassVar[Label] = titled("确认收到", "Receipt acknowledged")

    via: Code = Field(
        description="The notifier that sent the acknowledgement, e.g. sms or email.", min_length=1
    )
    message_key: Code = Field(description="Key of the message template sent.", min_length=1)


class AcknowledgeComplaint(Command):
    """Record that the complainant was told the complaint was received."""

    verb: ClassVar[str] = "acknowledge"
    verb_zh: ClassVar[str] = "确认收到"

    via: str = Field(description="The notifier that sent the acknowledgement.", min_length=1)
    message_key: str = Field(description="Key of the message template sent.", min_length=1)


@decides(AcknowledgeComplaint, by=SERVICE | AGENT | STAFF)
def _acknowledge(state: ComplaintState, command: AcknowledgeComplaint) -> list[Event]:
    if state.acknowledged:
        raise fail(RejectionCode.ALREADY_ACKNOWLEDGED, state, command)
    return [ComplaintAcknowledged(via=command.via, message_key=command.message_key)]


@evolves(ComplaintAcknowledged)
def _acknowledged(s: Draft, event: ComplaintAcknowledged, at: datetime | None) -> None:
    s.acknowledged = True


# -- returned for correction, and lapsed ------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintReturnedForCorrection(ComplaintEvent):
    """A channel's submission lacked required fields: returned to the channel for correction (退回补正).
    The first event of its stream; the complaint is received only when the channel re-sends the
    same submission_id with the fields. It carries no personal data."""

    title: ClassVar[Label] = titled("退回补正", "Returned for correction")
    before_receipt: ClassVar[bool] = True

    complaint_no: Annotated[str, WITHHELD] = Field(
        description="The number reserved for the complaint; also its stream id.", min_length=1
    )
    channel: Channel = Field(description="The channel the submission came in through.")
    channel_id: Annotated[str | None, WITHHELD] = Field(
        None, description="The channel system that sent it (Kafka channel_id)."
    )
    submission_id: Annotated[str, WITHHELD] = Field(
        description="The channel's id of the submission; re-send it corrected.", min_length=1
    )
    missing_fields: list[Code] = Field(description="The required fields that were missing.", min_length=1)
    due_at: UtcDatetime = Field(description="When the correction lapses if not received (UTC).")


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


@decides(ReturnForCorrection, by=frozenset({Role.CHANNEL, Role.SERVICE}))
def _return_for_correction(state: ComplaintState, command: ReturnForCorrection) -> list[Event]:
    return [
        ComplaintReturnedForCorrection(
            complaint_no=command.complaint_no,
            channel=command.channel,
            channel_id=command.channel_id,
            submission_id=command.submission_id,
            missing_fields=list(command.missing_fields),
            due_at=command.due_at,
        )
    ]


@evolves(ComplaintReturnedForCorrection)
def _returned(s: Draft, event: ComplaintReturnedForCorrection, at: datetime | None) -> None:
    s.complaint_no = event.complaint_no
    s.status = Status.AWAITING_CORRECTION
    s.channel = event.channel
    s.correction = event


@COMPLAINT_EVENTS.register
class ComplaintCorrectionLapsed(ComplaintEvent):
    """The channel did not correct a returned submission in time: it ends without being received."""

    title: ClassVar[Label] = titled("逾期未补正", "Correction lapsed")
    before_receipt: ClassVar[bool] = True

    missing_fields: list[Code] = Field(
        description="The required fields that were never supplied.", min_length=1
    )
    due_at: UtcDatetime = Field(description="When the correction was due (UTC).")


class LapseCorrection(Command):
    """Intake records that a returned submission was not corrected in time."""

    verb: ClassVar[str] = "lapse the correction of"
    verb_zh: ClassVar[str] = "逾期结束补正"


@decides(LapseCorrection, by=SERVICE)
def _lapse_correction(state: ComplaintState, command: LapseCorrection) -> list[Event]:
    require(state, command, {Status.AWAITING_CORRECTION})
    assert state.correction is not None
    return [
        ComplaintCorrectionLapsed(
            missing_fields=list(state.correction.missing_fields), due_at=state.correction.due_at
        )
    ]


@evolves(ComplaintCorrectionLapsed)
def _lapsed(s: Draft, event: ComplaintCorrectionLapsed, at: datetime | None) -> None:
    s.status, s.closed_at = Status.CORRECTION_LAPSED, at or s.closed_at
