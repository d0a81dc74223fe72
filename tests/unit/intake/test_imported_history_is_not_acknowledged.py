"""Intake acknowledges every live receipt to its complainant, and no imported one: the
complainant of history was answered back then, if ever."""

from __future__ import annotations

import pytest

from services.intake.handlers import AcknowledgementHandler
from shared.clock import FakeClock
from shared.complaints import AcknowledgeComplaint, fold
from tests.builders import T0, as_recorded_event, history, received

pytestmark = pytest.mark.unit


class Counting:
    name = "counting"

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def acknowledge(self, complaint_no: str, channel: str) -> str:
        self.sent.append(complaint_no)
        return "ack.received"


@pytest.mark.parametrize("outcome", ["open", "resolved", "closed"])
async def test_history_is_not_acknowledged(outcome: str) -> None:
    notifier = Counting()
    event = received(imported=history(outcome))
    command = await AcknowledgementHandler(notifier, FakeClock(T0)).react(
        as_recorded_event(event), fold([event])
    )
    assert command is None and notifier.sent == []


async def test_a_live_receipt_is() -> None:
    notifier = Counting()
    event = received()
    command = await AcknowledgementHandler(notifier, FakeClock(T0)).react(
        as_recorded_event(event), fold([event])
    )
    assert isinstance(command, AcknowledgeComplaint) and len(notifier.sent) == 1
