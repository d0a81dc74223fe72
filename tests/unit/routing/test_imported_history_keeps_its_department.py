"""Routing dispatches an open imported complaint to the department its record names (rule
``imported``), one without a department by the rule table, and leaves history that is over alone."""

from __future__ import annotations

import pytest

from services.routing.handlers import IMPORTED_RULE, AssignOnReceipt
from services.routing.rules import load_rules
from shared.clock import FakeClock
from shared.complaints import AssignComplaint, fold
from tests.builders import T0, as_recorded_event, history, received

pytestmark = pytest.mark.unit

ROUTING = AssignOnReceipt(load_rules(), FakeClock(T0))


async def test_open_history_goes_to_its_recorded_department() -> None:
    event = received(imported=history("open", department="finance"))
    command = await ROUTING.react(as_recorded_event(event), fold([event]))
    assert isinstance(command, AssignComplaint)
    assert (command.department, command.rule) == ("finance", IMPORTED_RULE)


async def test_open_history_without_a_department_goes_by_the_rules() -> None:
    event = received(imported=history("open", department=None))
    command = await ROUTING.react(as_recorded_event(event), fold([event]))
    assert isinstance(command, AssignComplaint) and command.rule != IMPORTED_RULE


@pytest.mark.parametrize("outcome", ["resolved", "closed"])
async def test_finished_history_is_not_dispatched(outcome: str) -> None:
    event = received(imported=history(outcome))
    assert await ROUTING.react(as_recorded_event(event), fold([event])) is None
