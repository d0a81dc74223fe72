"""Closing a complaint that cannot be resolved (无法解决结案): only with the reason it cannot be
resolved and the follow-up plan recorded, so that the case is never closed silently."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    COMPLAINT_EVENTS,
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
from shared.complaints.stages.closure import ComplaintClosed
from shared.complaints.values import CloseReason, Label, Status
from shared.events.disclosure import FreeText
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

S = Status

UNRESOLVABLE_FROM = frozenset(
    {S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED, S.RESOLVED, S.REVISIT_PENDING}
)
"""An assigned complaint not yet closed may be declared unresolvable."""


@COMPLAINT_EVENTS.register
class ComplaintDeclaredUnresolvable(ComplaintEvent):
    """A supervisor declared that the complaint cannot be resolved, with the reason and the
    follow-up plan; the complaint is closed right after (reason unresolvable)."""

    title: ClassVar[Label] = titled("确认无法解决", "Declared unresolvable")

    reason: FreeText = Field(description="Why the complaint cannot be resolved.", min_length=1)
    follow_up_plan: FreeText = Field(
        description="The follow-up plan: who follows up, how and when.", min_length=1
    )


class CloseAsUnresolvable(Command):
    """Close a complaint that cannot be resolved, recording why and the follow-up plan."""

    verb: ClassVar[str] = "close as unresolvable"
    verb_zh: ClassVar[str] = "以无法解决结案"

    # empty is accepted here so that the domain refuses it with its own reason code
    reason: str = Field("", description="Why it cannot be resolved; required.", max_length=2000)
    follow_up_plan: str = Field("", description="The follow-up plan; required.", max_length=2000)


@decides(CloseAsUnresolvable, by=STAFF)
def _close_as_unresolvable(state: ComplaintState, command: CloseAsUnresolvable) -> list[Event]:
    require(state, command, UNRESOLVABLE_FROM)
    reason, plan = command.reason.strip(), command.follow_up_plan.strip()
    if not reason:
        raise fail(RejectionCode.UNRESOLVABLE_WITHOUT_REASON, state, command)
    if not plan:
        raise fail(RejectionCode.UNRESOLVABLE_WITHOUT_PLAN, state, command)
    return [
        ComplaintDeclaredUnresolvable(reason=reason, follow_up_plan=plan),
        ComplaintClosed(reason=CloseReason.UNRESOLVABLE),
    ]


@evolves(ComplaintDeclaredUnresolvable)
def _declared_unresolvable(s: Draft, event: ComplaintDeclaredUnresolvable, at: datetime | None) -> None:
    s.follow_up_plan = event.follow_up_plan
