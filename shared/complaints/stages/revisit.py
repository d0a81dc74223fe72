"""Revisit (回访): after the reply the complainant is asked whether they are satisfied; the answer
closes the complaint, or sends it back to the department. With an open 8D case a confirming
answer is recorded and the complaint closes when D8 is (stages/eight_d.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

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
    owner,
    require,
    titled,
)
from shared.complaints.stages.closure import ComplaintClosed, ComplaintReopened
from shared.complaints.stages.eight_d import awaits_closure
from shared.complaints.values import (
    CloseReason,
    Label,
    ReopenTrigger,
    RevisitChannel,
    Status,
    UtcDatetime,
)
from shared.events.disclosure import FreeText
from shared.events.envelope import Event, Role

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status


@COMPLAINT_EVENTS.register
class RevisitScheduled(ComplaintEvent):
    """A revisit (回访) of the complainant was scheduled after the resolution."""

    title: ClassVar[Label] = titled("安排回访", "Revisit scheduled")

    due_at: UtcDatetime = Field(description="When the revisit is due (UTC).")


class ScheduleRevisit(Command):
    """Schedule the revisit (回访) of a resolved complaint."""

    verb: ClassVar[str] = "schedule a revisit for"
    verb_zh: ClassVar[str] = "安排回访"

    due_at: UtcDatetime = Field(description="When the revisit is due (UTC).")


@decides(ScheduleRevisit, by=AGENT | SERVICE | STAFF)
def _schedule_revisit(state: ComplaintState, command: ScheduleRevisit) -> list[Event]:
    require(state, command, {S.RESOLVED})
    return [RevisitScheduled(due_at=command.due_at)]


@evolves(RevisitScheduled)
def _revisit_scheduled(s: Draft, event: RevisitScheduled, at: datetime | None) -> None:
    s.status, s.revisit_due_at = Status.REVISIT_PENDING, event.due_at


@COMPLAINT_EVENTS.register
class FeedbackReceived(ComplaintEvent):
    """The complainant said whether they are satisfied with the resolution."""

    title: ClassVar[Label] = titled("收到评价", "Feedback received")
    schema_version: ClassVar[int] = 2

    satisfied: bool = Field(description="True when the complainant is satisfied.")
    score: int = Field(description="Satisfaction score, 1 (worst) to 5 (best).", ge=1, le=5)
    comment: FreeText | None = Field(None, description="What the complainant added, if anything.")
    acknowledged: bool = Field(
        False,
        description="True when a complainant who is not satisfied still explicitly accepts the solution.",
    )
    channel: RevisitChannel = Field(
        RevisitChannel.PHONE,
        description="How the revisit reached the complainant: phone, sms, email or questionnaire "
        "(the complainant answered the survey link themselves).",
    )


@COMPLAINT_EVENTS.upcaster("FeedbackReceived", 1)
def _feedback_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 had no channel: every revisit then was a customer-service call."""
    payload.setdefault("channel", RevisitChannel.PHONE.value)
    return payload


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
    channel: RevisitChannel = Field(
        RevisitChannel.PHONE, description="How the revisit reached the complainant."
    )


@decides(GiveFeedback, by=frozenset({Role.COMPLAINANT, Role.AGENT, Role.SERVICE}) | STAFF)
def _give_feedback(state: ComplaintState, command: GiveFeedback) -> list[Event]:
    require(
        state,
        command,
        {S.RESOLVED, S.REVISIT_PENDING},
        dict.fromkeys(Status, RejectionCode.FEEDBACK_ON_OPEN_COMPLAINT),
    )
    if not 1 <= command.score <= 5:
        raise fail(RejectionCode.INVALID_SCORE, state, command, score=command.score)
    feedback = FeedbackReceived(
        satisfied=command.satisfied,
        score=command.score,
        comment=command.comment,
        acknowledged=command.acknowledged and not command.satisfied,
        channel=command.channel,
    )
    if (command.satisfied or command.acknowledged) and awaits_closure(state):
        return [feedback]  # closes when D8 is recorded (stages/eight_d.py)
    if command.satisfied:
        return [feedback, ComplaintClosed(reason=CloseReason.SATISFIED)]
    if command.acknowledged:
        return [feedback, ComplaintClosed(reason=CloseReason.ACKNOWLEDGED)]
    return [
        feedback,
        ComplaintReopened(
            department=owner(state),
            reason=command.comment or f"Complainant not satisfied (score {command.score})",
            reopen_count=state.reopen_count + 1,
            trigger=ReopenTrigger.FEEDBACK,
        ),
    ]


@evolves(FeedbackReceived)
def _feedback(s: Draft, event: FeedbackReceived, at: datetime | None) -> None:
    s.feedback = event
    s.confirmed = (
        CloseReason.SATISFIED if event.satisfied else CloseReason.ACKNOWLEDGED if event.acknowledged else None
    )
