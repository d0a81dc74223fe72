"""An imported complaint (``ComplaintReceived.imported``) is history: it folds to the outcome its
records give, dated as they date it; old events without the field still read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from shared.clock import FakeClock
from shared.complaints import COMPLAINT_EVENTS, ComplaintReceived, Status, decide, fold
from shared.complaints.state import ComplaintState
from shared.events import NewEvent
from tests.builders import DEPT, T0, channel, history, receive, received

pytestmark = pytest.mark.unit

IMPORTED_AT = T0 + timedelta(days=900)


def test_closed_history_folds_to_closed_with_the_records_dates() -> None:
    record = history("closed")
    state = fold([(received(imported=record), IMPORTED_AT)])
    assert state.status is Status.CLOSED
    assert state.department == DEPT
    assert state.received_at == T0
    assert state.resolved_at == record.resolved_at
    assert state.closed_at == record.closed_at
    assert state.is_final


def test_resolved_history_folds_to_resolved_without_a_revisit() -> None:
    state = fold([(received(imported=history("resolved")), IMPORTED_AT)])
    assert state.status is Status.RESOLVED
    assert state.resolved_at == T0 + timedelta(days=2)
    assert state.revisit_due_at is None and state.closed_at is None


def test_closed_history_without_a_resolution_date_counts_as_resolved_when_it_closed() -> None:
    record = history("closed", resolved_at=None)
    state = fold([(received(imported=record), IMPORTED_AT)])
    assert state.resolved_at == state.closed_at == record.closed_at


def test_open_history_is_received_like_any_complaint() -> None:
    state = fold([(received(imported=history("open")), IMPORTED_AT)])
    assert state.status is Status.RECEIVED and state.department is None


def test_the_receipt_carries_the_history() -> None:
    record = history("closed")
    [event] = decide(ComplaintState.initial(), receive(imported=record, received_at=T0, when=IMPORTED_AT))
    assert isinstance(event, ComplaintReceived) and event.imported == record


def test_outcome_dates_lie_between_the_receipt_and_the_import() -> None:
    late = history("closed", closed_at=IMPORTED_AT + timedelta(days=1))
    with pytest.raises(ValidationError, match="between its receipt and the import"):
        receive(imported=late, received_at=T0, when=IMPORTED_AT)
    early = history("resolved", resolved_at=T0 - timedelta(days=1))
    with pytest.raises(ValidationError, match="between its receipt and the import"):
        receive(imported=early, received_at=T0, when=IMPORTED_AT)


@pytest.mark.parametrize(
    ("outcome", "dates"),
    [
        ("resolved", {"resolved_at": None}),
        ("closed", {"closed_at": None}),
        ("open", {"resolved_at": T0}),
        ("resolved", {"closed_at": T0}),
    ],
)
def test_the_outcome_needs_its_own_dates_and_no_others(outcome: str, dates: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        history(outcome, **dates)


def test_a_receipt_stored_before_imports_existed_still_reads() -> None:
    event = NewEvent.of(received(), actor=channel(), clock=FakeClock(T0))
    payload = {k: v for k, v in event.payload.items() if k != "imported"}
    upcast = COMPLAINT_EVENTS.upcast("ComplaintReceived", 2, payload)
    decoded = COMPLAINT_EVENTS.model_for("ComplaintReceived", 2).model_validate(upcast)
    assert isinstance(decoded, ComplaintReceived) and decoded.imported is None
