"""Clocks of history are history: an imported complaint resolved or closed in its old system
starts no clock; one still open starts initial_plan and resolution at the import, not at its
old receipt, and no acknowledgement clock (nobody is written to about history)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import Start, transitions
from shared.complaints import SlaStage
from tests.builders import T0, history, received

pytestmark = pytest.mark.unit

IMPORTED_AT = T0 + timedelta(days=1000)


@pytest.mark.parametrize("outcome", ["resolved", "closed"])
def test_finished_history_starts_no_clock(outcome: str) -> None:
    assert transitions(received(imported=history(outcome)), IMPORTED_AT) == []


def test_open_history_starts_its_clocks_at_the_import() -> None:
    changes = transitions(received(imported=history("open")), IMPORTED_AT)
    assert changes == [
        Start(SlaStage.INITIAL_PLAN, IMPORTED_AT, None),
        Start(SlaStage.RESOLUTION, IMPORTED_AT, None),
    ]


def test_a_live_receipt_still_starts_at_its_receipt() -> None:
    changes = transitions(received(received_at=T0), T0 + timedelta(seconds=3))
    assert Start(SlaStage.ACKNOWLEDGEMENT, T0, None) in changes
    assert Start(SlaStage.RESOLUTION, T0, None) in changes
