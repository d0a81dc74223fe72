"""Dispatch (派单): a complaint goes to its responsible department, which signs for it (签收);
it may be transferred to another (转派) or escalated (升级) while the department works on it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    NOT_ASSIGNED,
    SERVICE,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    owner,
    require,
    require_owner,
    titled,
)
from shared.complaints.stages.cooperation import requested, withdrawn_on_transfer
from shared.complaints.values import Label, SlaStage, Status
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status


# -- assigned ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintAssigned(ComplaintEvent):
    """The complaint was dispatched to its responsible department (派单)."""

    title: ClassVar[Label] = titled("派单", "Assigned to a department")

    department: Code = Field(description="Code of the department now responsible.", min_length=1)
    rule: Code = Field(description="The routing rule that chose the department, or 'manual'.", min_length=1)
    note: FreeText | None = Field(None, description="Instructions for the department.")


class AssignComplaint(Command):
    """Dispatch the complaint to its responsible department (派单)."""

    verb: ClassVar[str] = "assign"
    verb_zh: ClassVar[str] = "派单"

    department: str = Field(description="Code of the responsible department.", min_length=1)
    rule: str = Field("manual", description="The routing rule that chose it, or 'manual'.", min_length=1)
    note: str | None = Field(None, description="Instructions for the department.")
    cooperating: list[str] = Field(
        default_factory=list,
        description="Codes of the departments to co-operate with it; it leads.",
    )


@decides(AssignComplaint, by=SERVICE | STAFF)
def _assign(state: ComplaintState, command: AssignComplaint) -> list[Event]:
    require(state, command, {S.RECEIVED})
    assigned = ComplaintAssigned(department=command.department, rule=command.rule, note=command.note)
    return [assigned, *requested(state, command, command.cooperating, command.note, command.department)]


@evolves(ComplaintAssigned)
def _assigned(s: Draft, event: ComplaintAssigned, at: datetime | None) -> None:
    s.status, s.department, s.agent = Status.ASSIGNED, event.department, None
    s.assigned_at, s.objecting_department = at, None  # a new owner's window to object opens


# -- accepted ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintAccepted(ComplaintEvent):
    """The responsible department signed for the complaint (签收)."""

    title: ClassVar[Label] = titled("签收", "Accepted by the department")

    department: Code = Field(description="Code of the department that accepted it.", min_length=1)
    agent: Code = Field(description="Id of the person who will handle it.", min_length=1)


class AcceptComplaint(Command):
    """The responsible department signs for the complaint (签收)."""

    verb: ClassVar[str] = "accept"
    verb_zh: ClassVar[str] = "签收"

    agent: str | None = Field(
        None, description="Id of the person who will handle it; defaults to the actor's id.", min_length=1
    )


@decides(AcceptComplaint, by=AGENT | STAFF, owner_only=True)
def _accept(state: ComplaintState, command: AcceptComplaint) -> list[Event]:
    require(state, command, {S.ASSIGNED, S.TRANSFERRED, S.REOPENED}, NOT_ASSIGNED)
    require_owner(state, command)
    return [ComplaintAccepted(department=owner(state), agent=command.agent or command.actor.id)]


@evolves(ComplaintAccepted)
def _accepted(s: Draft, event: ComplaintAccepted, at: datetime | None) -> None:
    s.status, s.department, s.agent = Status.ACCEPTED, event.department, event.agent


# -- transferred ------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintTransferred(ComplaintEvent):
    """The complaint moved to another department, which must now accept it (转派)."""

    title: ClassVar[Label] = titled("转派", "Transferred")

    from_department: Code = Field(description="Code of the department that gave it up.", min_length=1)
    to_department: Code = Field(description="Code of the department now responsible.", min_length=1)
    reason: FreeText = Field(description="Why it was transferred.", min_length=1)


class TransferComplaint(Command):
    """Hand the complaint to another department (转派)."""

    verb: ClassVar[str] = "transfer"
    verb_zh: ClassVar[str] = "转派"

    to_department: str = Field(description="Code of the department to take it over.", min_length=1)
    reason: str = Field(description="Why it is transferred.", min_length=1)


@decides(TransferComplaint, by=AGENT | STAFF, owner_only=True)
def _transfer(state: ComplaintState, command: TransferComplaint) -> list[Event]:
    require(state, command, {S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.TRANSFERRED}, NOT_ASSIGNED)
    require_owner(state, command)
    if command.to_department == state.department:
        raise fail(RejectionCode.SAME_DEPARTMENT, state, command)
    return [
        *withdrawn_on_transfer(state, command.to_department),
        ComplaintTransferred(
            from_department=owner(state), to_department=command.to_department, reason=command.reason
        ),
    ]


@evolves(ComplaintTransferred)
def _transferred(s: Draft, event: ComplaintTransferred, at: datetime | None) -> None:
    s.status, s.department, s.agent = Status.TRANSFERRED, event.to_department, None
    s.assigned_at, s.objecting_department = at, None  # a new owner's window to object opens
    s.on_hold, s.on_hold_since = False, None  # a transfer ends the wait on the complainant


# -- escalated --------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ComplaintEscalated(ComplaintEvent):
    """The complaint was escalated (升级); the department keeps working on it."""

    title: ClassVar[Label] = titled("升级", "Escalated")

    level: int = Field(description="Escalation level reached, 1 and up.", ge=1)
    to_role: Code = Field(description="Who it was escalated to, e.g. supervisor or director.", min_length=1)
    reason: FreeText = Field(description="Why it was escalated.", min_length=1)
    stage: SlaStage | None = Field(None, description="The time limit that caused it, when an SLA did.")


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


@decides(EscalateComplaint, by=AGENT | SERVICE | STAFF, owner_only=True)
def _escalate(state: ComplaintState, command: EscalateComplaint) -> list[Event]:
    require_owner(state, command)
    level = command.level if command.level is not None else state.escalation_level + 1
    if level <= state.escalation_level:
        raise fail(
            RejectionCode.ALREADY_ESCALATED, state, command, current=state.escalation_level, level=level
        )
    return [
        ComplaintEscalated(level=level, to_role=command.to_role, reason=command.reason, stage=command.stage)
    ]


@evolves(ComplaintEscalated)
def _escalated(s: Draft, event: ComplaintEscalated, at: datetime | None) -> None:
    s.escalation_level, s.escalated_to = event.level, event.to_role
