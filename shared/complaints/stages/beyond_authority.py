"""Beyond the handler's authority (超出权限): the department handling a complaint reports a matter
it may not decide to the director, who answers with an instruction (批示). The report starts the
director's own clock (the SLA stage director_report); the instruction stops it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    AGENT,
    COMPLAINT_EVENTS,
    NOT_ACCEPTED,
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
from shared.complaints.stages.handling import WORKING
from shared.complaints.values import Label
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

DIRECTOR = frozenset({Role.DIRECTOR})


@COMPLAINT_EVENTS.register
class ComplaintReportedBeyondAuthority(ComplaintEvent):
    """The handling department reported a matter beyond its authority to the director."""

    title: ClassVar[Label] = titled("超出权限上报总监", "Reported to the director as beyond authority")

    department: Code = Field(description="Code of the department that reported it.", min_length=1)
    reason: FreeText = Field(description="What the department may not decide, and why.", min_length=1)


class ReportBeyondAuthority(Command):
    """Report to the director a matter beyond the handler's authority (超出权限上报)."""

    verb: ClassVar[str] = "report to the director"
    verb_zh: ClassVar[str] = "上报总监"

    reason: str = Field(description="What the department may not decide, and why.", min_length=1)


@decides(ReportBeyondAuthority, by=AGENT | STAFF, owner_only=True)
def _report(state: ComplaintState, command: ReportBeyondAuthority) -> list[Event]:
    require(state, command, WORKING, NOT_ACCEPTED)
    require_owner(state, command)
    if state.awaiting_director:
        raise fail(RejectionCode.ALREADY_REPORTED, state, command)
    return [ComplaintReportedBeyondAuthority(department=owner(state), reason=command.reason)]


@evolves(ComplaintReportedBeyondAuthority)
def _reported(s: Draft, event: ComplaintReportedBeyondAuthority, at: datetime | None) -> None:
    s.awaiting_director = True


@COMPLAINT_EVENTS.register
class DirectorInstructionRecorded(ComplaintEvent):
    """The director answered a matter reported as beyond the handler's authority (批示)."""

    title: ClassVar[Label] = titled("总监已批示", "Director's instruction recorded")

    instruction: FreeText = Field(description="The director's decision or instruction.", min_length=1)


class RecordDirectorInstruction(Command):
    """Record the director's decision or instruction on a reported matter (总监批示)."""

    verb: ClassVar[str] = "record the director's instruction on"
    verb_zh: ClassVar[str] = "登记总监批示"

    instruction: str = Field(description="The director's decision or instruction.", min_length=1)


@decides(RecordDirectorInstruction, by=DIRECTOR)
def _instruct(state: ComplaintState, command: RecordDirectorInstruction) -> list[Event]:
    if not state.awaiting_director:
        raise fail(RejectionCode.NOT_REPORTED, state, command)
    return [DirectorInstructionRecorded(instruction=command.instruction)]


@evolves(DirectorInstructionRecorded)
def _instructed(s: Draft, event: DirectorInstructionRecorded, at: datetime | None) -> None:
    s.awaiting_director = False
