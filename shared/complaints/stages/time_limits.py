"""Time limits (时限): the SLA service warns before a limit runs out and records a breach; the
department asks for more time with the complainant's consent (延期申请), and a supervisor approves
or declines it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    NOT_ASSIGNED,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    leaves_unchanged,
    owner,
    require,
    require_owner,
    stage_label,
    titled,
)
from shared.complaints.values import Label, SlaStage, Status, UtcDatetime
from shared.durations import IsoDuration, PositiveDuration
from shared.events.disclosure import WITHHELD, Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status
SLA_SERVICE = frozenset({Role.SERVICE, Role.ADMIN})


# -- warnings and breaches --------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class SlaWarningRaised(ComplaintEvent):
    """A time limit is about to run out. Raised by the SLA service; the status does not change."""

    title: ClassVar[Label] = titled("时限预警", "Time limit warning")

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When the time limit runs out (UTC).")
    fraction: float = Field(description="Share of the allowed time already used, e.g. 0.8.", gt=0, le=1)
    department: Code | None = Field(
        None, description="The co-operating department a co-operation time limit is about; else null."
    )


class RaiseSlaWarning(Command):
    """The SLA service warns that a time limit is about to run out."""

    verb: ClassVar[str] = "raise an SLA warning on"
    verb_zh: ClassVar[str] = "发出时限预警"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When it runs out (UTC).")
    fraction: float = Field(description="Share of the allowed time already used.", gt=0, le=1)
    department: str | None = Field(
        None, description="The co-operating department, for a co-operation time limit.", min_length=1
    )


@decides(RaiseSlaWarning, by=SLA_SERVICE)
def _raise_warning(state: ComplaintState, command: RaiseSlaWarning) -> list[Event]:
    warning = SlaWarningRaised(
        stage=command.stage,
        deadline=command.deadline,
        fraction=command.fraction,
        department=command.department,
    )
    if warning in state.sla_warnings:
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="SLA warning", what_zh="时限预警")
    return [warning]


@evolves(SlaWarningRaised)
def _warned(s: Draft, event: SlaWarningRaised, at: datetime | None) -> None:
    s.sla_warnings = (*s.sla_warnings, event)


@COMPLAINT_EVENTS.register
class SlaBreached(ComplaintEvent):
    """A time limit ran out. Recorded by the SLA service; the status does not change."""

    title: ClassVar[Label] = titled("超过时限", "Time limit breached")

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When the time limit ran out (UTC).")
    department: Code | None = Field(
        description="Code of the department responsible at the breach; null before assignment."
    )


class RecordSlaBreach(Command):
    """The SLA service records that a time limit ran out."""

    verb: ClassVar[str] = "record an SLA breach on"
    verb_zh: ClassVar[str] = "记录超时"

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="When it ran out (UTC).")
    department: str | None = Field(
        None,
        description="The co-operating department, for a co-operation time limit (it is charged); "
        "else the responsible department is.",
        min_length=1,
    )


@decides(RecordSlaBreach, by=SLA_SERVICE)
def _record_breach(state: ComplaintState, command: RecordSlaBreach) -> list[Event]:
    charged = command.department or state.department
    breach = SlaBreached(stage=command.stage, deadline=command.deadline, department=charged)
    if any(
        (b.stage, b.deadline, b.department) == (breach.stage, breach.deadline, breach.department)
        for b in state.sla_breaches
    ):
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="SLA breach", what_zh="超时记录")
    return [breach]


@evolves(SlaBreached)
def _breached(s: Draft, event: SlaBreached, at: datetime | None) -> None:
    s.sla_breaches = (*s.sla_breaches, event)


@COMPLAINT_EVENTS.register
class SlaCalendarYearUnknown(ComplaintEvent):
    """A working-time deadline reaches into a year whose public holidays the SLA calendar does not
    know: it was counted on plain weekdays there. A warning for people; the status does not change."""

    title: ClassVar[Label] = titled("工作日历缺少该年度节假日", "Working calendar lacks that year")

    stage: SlaStage = Field(description="Which time limit.")
    deadline: UtcDatetime = Field(description="The deadline as counted on plain weekdays (UTC).")
    years: list[int] = Field(description="The years the calendar does not know, e.g. [2027].", min_length=1)
    # system text, not typed by people; the timeline says it in its own words
    message: Annotated[str, WITHHELD] = Field(description="The warning for people, in English.", min_length=1)
    message_zh: Annotated[str, WITHHELD] = Field(
        description="The warning for people, in Simplified Chinese.", min_length=1
    )


leaves_unchanged(SlaCalendarYearUnknown)


# -- extensions -------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class SlaExtensionRequested(ComplaintEvent):
    """The department asked for more time on one time limit (延期申请), with the complainant's
    consent; a supervisor approves or declines it."""

    title: ClassVar[Label] = titled("申请延期", "Extension requested")

    stage: SlaStage = Field(description="Which time limit.")
    department: Code = Field(description="Code of the department asking.", min_length=1)
    deadline: UtcDatetime = Field(description="The deadline when asked (UTC).")
    extension: IsoDuration = Field(
        description="Extra time asked for, ISO-8601 (P2D; days are working days on a working-time limit)."
    )
    reason: FreeText = Field(description="Why the deadline cannot be met.", min_length=1)
    consent_via: Code = Field(
        description="How the complainant agreed, e.g. phone, sms, email, in_person.", min_length=1
    )
    consent_at: UtcDatetime = Field(description="When the complainant agreed (UTC).")
    consent_note: FreeText | None = Field(None, description="What was agreed, e.g. the call reference.")


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


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


@decides(RequestSlaExtension, by=AGENT | STAFF, owner_only=True)
def _request_extension(state: ComplaintState, command: RequestSlaExtension) -> list[Event]:
    """At least one working day's notice (the SLA service counts it on its calendar and passes
    ``notice_until``), the complainant's consent given before the request, one pending per stage."""
    require(
        state,
        command,
        {S.ASSIGNED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.RESOLVED, S.REVISIT_PENDING},
        NOT_ASSIGNED,
    )
    require_owner(state, command)
    if any(request.stage == command.stage for request in state.pending_extensions):
        raise fail(RejectionCode.EXTENSION_PENDING, state, command, **stage_label(command.stage))
    if command.consent_at > command.at:
        raise fail(
            RejectionCode.CONSENT_IN_FUTURE,
            state,
            command,
            consent_at=_when(command.consent_at),
            at=_when(command.at),
        )
    if command.notice_until > command.deadline:
        raise fail(
            RejectionCode.EXTENSION_TOO_LATE,
            state,
            command,
            deadline=_when(command.deadline),
            notice_until=_when(command.notice_until),
        )
    return [
        SlaExtensionRequested(
            stage=command.stage,
            department=owner(state),
            deadline=command.deadline,
            extension=command.extension,
            reason=command.reason,
            consent_via=command.consent_via,
            consent_at=command.consent_at,
            consent_note=command.consent_note,
        )
    ]


def _without(s: Draft, stage: SlaStage) -> tuple[SlaExtensionRequested, ...]:
    return tuple(request for request in s.pending_extensions if request.stage != stage)


@evolves(SlaExtensionRequested)
def _extension_requested(s: Draft, event: SlaExtensionRequested, at: datetime | None) -> None:
    s.pending_extensions = (*_without(s, event.stage), event)


@COMPLAINT_EVENTS.register
class SlaExtensionApproved(ComplaintEvent):
    """A supervisor approved the extension: the stage's deadline moves by the extension."""

    title: ClassVar[Label] = titled("批准延期", "Extension approved")

    stage: SlaStage = Field(description="Which time limit.")
    extension: IsoDuration = Field(description="Extra time granted, ISO-8601 (as requested).")
    note: FreeText | None = Field(None, description="The supervisor's note, if any.")


class ApproveSlaExtension(Command):
    """A supervisor approves the pending extension of one time limit."""

    verb: ClassVar[str] = "approve an extension for"
    verb_zh: ClassVar[str] = "批准延期"

    stage: SlaStage = Field(description="Which time limit.")
    note: str | None = Field(None, description="The supervisor's note.")


@COMPLAINT_EVENTS.register
class SlaExtensionDeclined(ComplaintEvent):
    """A supervisor declined the extension: the deadline stays."""

    title: ClassVar[Label] = titled("驳回延期", "Extension declined")

    stage: SlaStage = Field(description="Which time limit.")
    reason: FreeText = Field(description="Why it was declined.", min_length=1)


class DeclineSlaExtension(Command):
    """A supervisor declines the pending extension of one time limit."""

    verb: ClassVar[str] = "decline an extension for"
    verb_zh: ClassVar[str] = "驳回延期"

    stage: SlaStage = Field(description="Which time limit.")
    reason: str = Field(description="Why it is declined.", min_length=1)


def _pending_extension(
    state: ComplaintState, command: ApproveSlaExtension | DeclineSlaExtension
) -> SlaExtensionRequested:
    for request in state.pending_extensions:
        if request.stage == command.stage:
            return request
    raise fail(RejectionCode.NO_EXTENSION_PENDING, state, command, **stage_label(command.stage))


@decides(ApproveSlaExtension, by=STAFF)
def _approve_extension(state: ComplaintState, command: ApproveSlaExtension) -> list[Event]:
    request = _pending_extension(state, command)
    return [SlaExtensionApproved(stage=command.stage, extension=request.extension, note=command.note)]


@decides(DeclineSlaExtension, by=STAFF)
def _decline_extension(state: ComplaintState, command: DeclineSlaExtension) -> list[Event]:
    _pending_extension(state, command)
    return [SlaExtensionDeclined(stage=command.stage, reason=command.reason)]


@evolves(SlaExtensionApproved, SlaExtensionDeclined)
def _extension_settled(
    s: Draft, event: SlaExtensionApproved | SlaExtensionDeclined, at: datetime | None
) -> None:
    s.pending_extensions = _without(s, event.stage)
