"""Objection to an assignment (异议): the department a complaint was assigned or transferred to may
object, with its reason, until the end of the working day it was given the complaint; a
supervisor decides. Upheld, the complaint moves on as a transfer (转派) to the department the
supervisor names or the routing rules give, so every clock follows the new owner; rejected, the
department keeps it. The department's clocks run all the while: an objection pauses nothing.

The domain reads no calendar: the handler passes the bounds of the working day the objection
falls in, counted on the organisation's business calendar (shared.calendar)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

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
    owner,
    require,
    require_owner,
    titled,
)
from shared.complaints.stages.cooperation import withdrawn_on_transfer
from shared.complaints.stages.dispatch import ComplaintTransferred
from shared.complaints.values import Label, Status, UtcDatetime
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status

OBJECTABLE = frozenset({S.ASSIGNED, S.TRANSFERRED, S.ACCEPTED})
"""A department objects before it starts working the complaint (signed for it or not)."""

MOVABLE = frozenset({S.ASSIGNED, S.TRANSFERRED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED})
"""Where an upheld objection may still move the complaint: as a transfer could (not once answered)."""

MANUAL = "manual"
"""The ``rule`` of a department the supervisor named."""


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


# -- objected ---------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class AssignmentObjected(ComplaintEvent):
    """The department objected to being given the complaint (异议); a supervisor decides."""

    title: ClassVar[Label] = titled("派单异议", "Objection to the assignment")

    department: Code = Field(description="Code of the department that objects.", min_length=1)
    reason: FreeText = Field(description="Why the complaint is not the department's.", min_length=1)
    objected_until: UtcDatetime = Field(
        description="The end of the working day the objection was due by (UTC), on the business calendar."
    )


class ObjectToAssignment(Command):
    """Object to the assignment, by the end of the working day it was made (派单异议).

    The handler counts the working day on the business calendar and fills in ``window_from`` and
    ``window_until``."""

    verb: ClassVar[str] = "object to the assignment of"
    verb_zh: ClassVar[str] = "对派单提出异议"

    reason: str = Field(description="Why the complaint is not the department's.", min_length=1)
    window_from: UtcDatetime = Field(
        description="The previous working day's close: an assignment after it may still be objected to."
    )
    window_until: UtcDatetime = Field(description="The close of the working day the objection falls in.")


@decides(ObjectToAssignment, by=AGENT | frozenset({Role.ADMIN}), owner_only=True)
def _object(state: ComplaintState, command: ObjectToAssignment) -> list[Event]:
    require(state, command, OBJECTABLE, NOT_ASSIGNED)
    require_owner(state, command)
    if state.objecting_department is not None:
        raise fail(RejectionCode.OBJECTION_PENDING, state, command)
    if state.assigned_at is None or state.assigned_at <= command.window_from:
        assigned_at = _when(state.assigned_at) if state.assigned_at else "an unknown time"
        raise fail(
            RejectionCode.OBJECTION_TOO_LATE,
            state,
            command,
            assigned_at=assigned_at,
            ended=_when(command.window_from),
        )
    return [
        AssignmentObjected(
            department=owner(state), reason=command.reason, objected_until=command.window_until
        )
    ]


@evolves(AssignmentObjected)
def _objected(s: Draft, event: AssignmentObjected, at: datetime | None) -> None:
    s.objecting_department = event.department


# -- decided ----------------------------------------------------------------------------------


@COMPLAINT_EVENTS.register
class ObjectionUpheld(ComplaintEvent):
    """A supervisor upheld the department's objection; a transfer to the new department follows."""

    title: ClassVar[Label] = titled("异议成立", "Objection upheld")

    department: Code = Field(description="Code of the department that objected.", min_length=1)
    to_department: Code = Field(description="Code of the department now responsible.", min_length=1)
    rule: Code = Field(description="The routing rule that chose it, or 'manual'.", min_length=1)
    reason: FreeText = Field(description="The supervisor's reason.", min_length=1)


@COMPLAINT_EVENTS.register
class ObjectionRejected(ComplaintEvent):
    """A supervisor rejected the objection: the department keeps the complaint, clocks running."""

    title: ClassVar[Label] = titled("异议驳回", "Objection rejected")

    department: Code = Field(description="Code of the department that objected and keeps it.", min_length=1)
    reason: FreeText = Field(description="The supervisor's reason.", min_length=1)


class DecideObjection(Command):
    """Decide a department's objection to its assignment (异议裁定).

    Upheld without ``to_department``, the handler fills it in from the routing rules."""

    verb: ClassVar[str] = "decide the objection on"
    verb_zh: ClassVar[str] = "裁定派单异议"

    uphold: bool = Field(description="True: the complaint goes elsewhere; false: the department keeps it.")
    reason: str = Field(description="The supervisor's reason.", min_length=1)
    to_department: str | None = Field(
        None, description="Upheld: the department to take it over (none: no rule gave one).", min_length=1
    )
    rule: str = Field(
        MANUAL, description="The routing rule that chose to_department, or 'manual'.", min_length=1
    )


@decides(DecideObjection, by=STAFF)
def _decide(state: ComplaintState, command: DecideObjection) -> list[Event]:
    objecting = state.objecting_department
    if objecting is None:
        raise fail(RejectionCode.NO_OBJECTION_PENDING, state, command)
    if not command.uphold:
        return [ObjectionRejected(department=objecting, reason=command.reason)]
    require(state, command, MOVABLE)
    if command.to_department is None:
        raise fail(RejectionCode.NO_OTHER_DEPARTMENT, state, command)
    if command.to_department == owner(state):
        raise fail(RejectionCode.SAME_DEPARTMENT, state, command)
    return [
        ObjectionUpheld(
            department=objecting,
            to_department=command.to_department,
            rule=command.rule,
            reason=command.reason,
        ),
        *withdrawn_on_transfer(state, command.to_department),
        ComplaintTransferred(
            from_department=owner(state), to_department=command.to_department, reason=command.reason
        ),
    ]


@evolves(ObjectionUpheld)
def _upheld(s: Draft, event: ObjectionUpheld, at: datetime | None) -> None:
    s.objecting_department = None  # the transfer that follows moves the complaint


@evolves(ObjectionRejected)
def _rejected(s: Draft, event: ObjectionRejected, at: datetime | None) -> None:
    s.objecting_department = None
