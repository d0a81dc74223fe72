"""Grading (定级): a person changes a complaint's grade, and intake links it to an earlier one by
the same complainant as a possible duplicate. A regrade to severe opens an 8D case
(stages/eight_d.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

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
    require_owner,
    titled,
)
from shared.complaints.stages.eight_d import opening
from shared.complaints.values import EightDTrigger, Grade, Label
from shared.events.disclosure import Code, FreeText
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState


@COMPLAINT_EVENTS.register
class ComplaintRegraded(ComplaintEvent):
    """A person changed the complaint's grade (改级), with the reason."""

    title: ClassVar[Label] = titled("调整投诉级别", "Complaint regraded")

    grade: Grade = Field(description="The new grade.")
    previous_grade: Grade = Field(description="The grade before.")
    reason: FreeText = Field(description="Why the grade was changed.", min_length=1)


class RegradeComplaint(Command):
    """Change the complaint's grade (改级), giving the reason."""

    verb: ClassVar[str] = "regrade"
    verb_zh: ClassVar[str] = "改级"

    grade: Grade = Field(description="The new grade.")
    reason: str = Field(description="Why the grade changes.", min_length=1)


@decides(RegradeComplaint, by=AGENT | STAFF, owner_only=True)
def _regrade(state: ComplaintState, command: RegradeComplaint) -> list[Event]:
    require_owner(state, command)
    assert state.grade is not None
    if command.grade == state.grade:
        raise fail(RejectionCode.SAME_GRADE, state, command, grade=command.grade.value)
    regraded = ComplaintRegraded(grade=command.grade, previous_grade=state.grade, reason=command.reason)
    return [regraded, *opening(state, EightDTrigger.REGRADE, command.grade)]


@evolves(ComplaintRegraded)
def _regraded(s: Draft, event: ComplaintRegraded, at: datetime | None) -> None:
    s.grade = event.grade


@COMPLAINT_EVENTS.register
class ComplaintLinkedAsPossibleDuplicate(ComplaintEvent):
    """Intake found an earlier complaint by the same complainant about the same subject within the
    policy's window: this one is linked to it as a possible duplicate (not merged; a supervisor
    decides)."""

    title: ClassVar[Label] = titled("疑似重复投诉", "Linked as a possible duplicate")

    of: Code = Field(description="Number of the earlier complaint this one may duplicate.", min_length=1)
    rule: Code = Field(
        description="Name of the duplicate rule of the intake policy that linked them.", min_length=1
    )
    window_days: int = Field(
        description="The rule's window: the earlier complaint is at most this old.", ge=1
    )
    similarity: float = Field(
        description="How alike the two normalised subjects are, 0 to 1 (1 = equal).", ge=0, le=1
    )


class LinkPossibleDuplicate(Command):
    """Link a just-received complaint to an earlier one as a possible duplicate (intake)."""

    verb: ClassVar[str] = "link as a possible duplicate"
    verb_zh: ClassVar[str] = "标记疑似重复"

    of: str = Field(description="Number of the earlier complaint.", min_length=1)
    rule: str = Field(description="The duplicate rule that found it.", min_length=1)
    window_days: int = Field(description="The rule's window in days.", ge=1)
    similarity: float = Field(description="Subject similarity, 0 to 1.", ge=0, le=1)


@decides(LinkPossibleDuplicate, by=SERVICE)
def _link_duplicate(state: ComplaintState, command: LinkPossibleDuplicate) -> list[Event]:
    return [
        ComplaintLinkedAsPossibleDuplicate(
            of=command.of, rule=command.rule, window_days=command.window_days, similarity=command.similarity
        )
    ]


@evolves(ComplaintLinkedAsPossibleDuplicate)
def _linked(s: Draft, event: ComplaintLinkedAsPossibleDuplicate, at: datetime | None) -> None:
    s.possible_duplicate_of = event.of
