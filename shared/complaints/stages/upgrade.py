"""An upgraded complaint (升级投诉): a complainant who rejects the answer at the revisit starts a
new complaint about the same matter. Intake receives it as any other and then links it to the
first one; the link flags the new complaint as escalated."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.errors import RejectionCode
from shared.complaints.kernel import (
    COMPLAINT_EVENTS,
    SERVICE,
    STAFF,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    fail,
    titled,
)
from shared.complaints.values import Label
from shared.events.disclosure import Code
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState


@COMPLAINT_EVENTS.register
class ComplaintUpgradedFrom(ComplaintEvent):
    """This complaint was started by a complainant who rejected the answer to an earlier one: it
    is linked to that one and flagged as escalated (升级投诉)."""

    title: ClassVar[Label] = titled("升级投诉（不认可原处理结果）", "Upgraded complaint (answer rejected)")

    original: Code = Field(
        description="Number of the earlier complaint whose answer was rejected.", min_length=1
    )
    escalated: bool = Field(True, description="Always true: an upgraded complaint is escalated.")


class LinkUpgradedComplaint(Command):
    """Link a just-received complaint to the earlier one whose answer the complainant rejected."""

    verb: ClassVar[str] = "link as an upgraded complaint"
    verb_zh: ClassVar[str] = "关联为升级投诉"

    original: str = Field(description="Number of the earlier complaint.", min_length=1)


@decides(LinkUpgradedComplaint, by=SERVICE | STAFF)
def _link_upgraded(state: ComplaintState, command: LinkUpgradedComplaint) -> list[Event]:
    if command.original == state.complaint_no:
        raise fail(RejectionCode.MERGE_INTO_SELF, state, command)
    if state.upgraded_from is not None:
        raise fail(RejectionCode.ALREADY_RECORDED, state, command, what="upgrade link", what_zh="升级关联")
    return [ComplaintUpgradedFrom(original=command.original)]


@evolves(ComplaintUpgradedFrom)
def _upgraded(s: Draft, event: ComplaintUpgradedFrom, at: datetime | None) -> None:
    s.upgraded_from = event.original
