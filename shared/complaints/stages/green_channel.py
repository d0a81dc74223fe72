"""The green channel (绿色通道): an urgent or level-3 complaint is made known at once to the head
of the department it is assigned to and to the supervisors, beside the ordinary dispatch. The
event records who was told; routing's notifier tells them once it is committed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from shared.complaints.kernel import (
    COMPLAINT_EVENTS,
    SERVICE,
    Command,
    ComplaintEvent,
    Draft,
    decides,
    evolves,
    titled,
)
from shared.complaints.values import Grade, Label
from shared.events.disclosure import Code
from shared.events.envelope import Event

if TYPE_CHECKING:
    from shared.complaints.state import ComplaintState

GREEN_CHANNEL_GRADES: frozenset[Grade] = frozenset({Grade.URGENT, Grade.LEVEL_3})
"""The grades that open the green channel: urgent (personal safety, major company interests) and
level 3 (a formal complaint or major dispute). Severe (manufacturing) has its own 8D case."""


@COMPLAINT_EVENTS.register
class GreenChannelOpened(ComplaintEvent):
    """An urgent complaint was made known at once to the department's head and the supervisors."""

    title: ClassVar[Label] = titled("开通绿色通道", "Green channel opened")

    department: Code = Field(description="Code of the department the complaint is assigned to.", min_length=1)
    grade: Grade = Field(description="The grade that opened it (urgent or level_3).")
    notified_roles: list[Code] = Field(
        description="The roles told: department_head (of that department) and supervisor.", min_length=1
    )
    notified: list[Code] = Field(
        default_factory=list,
        description="The staff ids (token subjects) told; empty when nobody holds those roles.",
    )


class OpenGreenChannel(Command):
    """Tell the assigned department's head and the supervisors of an urgent complaint (routing)."""

    verb: ClassVar[str] = "open the green channel for"
    verb_zh: ClassVar[str] = "开通绿色通道"

    department: str = Field(description="The department the complaint is assigned to.", min_length=1)
    notified_roles: list[str] = Field(description="The roles told.", min_length=1)
    notified: list[str] = Field(default_factory=list, description="The staff ids told.")


@decides(OpenGreenChannel, by=SERVICE)
def _open_green_channel(state: ComplaintState, command: OpenGreenChannel) -> list[Event]:
    # Nothing to do (and no refusal: a redelivery or a race) when the complaint is no longer open,
    # not urgent any more, or this department's head was told already.
    if not state.is_open or state.grade not in GREEN_CHANNEL_GRADES:
        return []
    if state.green_channel_department == command.department:
        return []
    return [
        GreenChannelOpened(
            department=command.department,
            grade=state.grade,
            notified_roles=command.notified_roles,
            notified=command.notified,
        )
    ]


@evolves(GreenChannelOpened)
def _opened(s: Draft, event: GreenChannelOpened, at: datetime | None) -> None:
    s.green_channel_department = event.department
