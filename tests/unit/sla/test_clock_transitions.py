"""Which complaint events start, stop and move the SLA clocks."""

from __future__ import annotations

import uuid

import pytest

from services.sla.clocks import (
    CLOCK_EVENTS,
    Reassign,
    Start,
    Stop,
    StopReason,
    stopped_after,
    transitions,
)
from shared.complaints import (
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintEscalated,
    ComplaintMerged,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintTransferred,
    ComplaintWithdrawn,
    ProgressRecorded,
    ReopenTrigger,
    SlaStage,
)
from shared.complaints.values import CloseReason
from shared.events import Actor, Event, RecordedEvent
from tests.builders import DEPT, OTHER_DEPT, T0, at, received

pytestmark = pytest.mark.unit

FIRST, RESOLUTION = SlaStage.FIRST_RESPONSE, SlaStage.RESOLUTION
WHEN = at(hours=1)


def test_receipt_starts_the_resolution_clock_when_the_complaint_was_received() -> None:
    assert transitions(received(received_at=at(minutes=-30)), WHEN) == [
        Start(RESOLUTION, at(minutes=-30), None)
    ]


def test_assignment_starts_first_response_and_hands_resolution_to_the_department() -> None:
    assert transitions(ComplaintAssigned(department=DEPT, rule="category"), WHEN) == [
        Reassign(DEPT),
        Start(FIRST, WHEN, DEPT),
    ]


def test_acceptance_stops_first_response_only() -> None:
    assert transitions(ComplaintAccepted(department=DEPT, agent="a"), WHEN) == [
        Stop(FIRST, StopReason.ACCEPTED)
    ]


def test_transfer_restarts_first_response_for_the_new_owner() -> None:
    event = ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="x")
    assert transitions(event, WHEN) == [
        Reassign(OTHER_DEPT),
        Stop(FIRST, StopReason.TRANSFERRED),
        Start(FIRST, WHEN, OTHER_DEPT),
    ]


def test_reopen_starts_both_clocks_again() -> None:
    event = ComplaintReopened(department=DEPT, reason="x", reopen_count=1, trigger=ReopenTrigger.FEEDBACK)
    assert transitions(event, WHEN) == [
        Stop(FIRST, StopReason.REOPENED),
        Stop(RESOLUTION, StopReason.REOPENED),
        Start(FIRST, WHEN, DEPT),
        Start(RESOLUTION, WHEN, DEPT),
    ]


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (ComplaintResolved(department=DEPT, resolution="done"), StopReason.RESOLVED),
        (ComplaintClosed(reason=CloseReason.SATISFIED), StopReason.CLOSED),
        (ComplaintWithdrawn(reason="x"), StopReason.WITHDRAWN),
        (ComplaintMerged(into="TS-20260105-0002", reason="x"), StopReason.MERGED),
        (ComplaintClosedAsNotAComplaint(reason="x"), StopReason.CLOSED_NOT_COMPLAINT),
    ],
)
def test_the_end_of_the_work_stops_both_clocks(event: Event, reason: StopReason) -> None:
    assert transitions(event, WHEN) == [Stop(FIRST, reason), Stop(RESOLUTION, reason)]


@pytest.mark.parametrize(
    "event",
    [
        ComplaintAcknowledged(via="sms", message_key="ack"),
        ProgressRecorded(department=DEPT, note="x"),
        ComplaintEscalated(level=1, to_role="supervisor", reason="x"),
    ],
)
def test_other_events_change_no_clock(event: Event) -> None:
    assert transitions(event, WHEN) == []
    assert event.event_type not in CLOCK_EVENTS


def _recorded(version: int, payload: Event) -> RecordedEvent:
    return RecordedEvent(
        event_id=uuid.uuid4(),
        stream_id="TS-1",
        stream_version=version,
        global_position=version,
        tx_id=1,
        type=payload.event_type,
        schema_version=1,
        occurred_at=at(hours=version),
        recorded_at=at(hours=version),
        actor=Actor.service("tests"),
        correlation_id=uuid.uuid4(),
        payload=payload.model_dump(mode="json"),
        hash="00",
    )


def test_the_stream_tells_whether_a_clock_stopped_after_it_started() -> None:
    stream = [
        _recorded(1, received(received_at=T0)),
        _recorded(2, ComplaintAssigned(department=DEPT, rule="r")),
        _recorded(3, ProgressRecorded(department=DEPT, note="x")),
        _recorded(4, ComplaintAccepted(department=DEPT, agent="a")),
    ]
    stopped = stopped_after(stream, FIRST, started_version=2)
    assert stopped is not None
    assert (stopped.at, stopped.reason, stopped.event_id) == (
        at(hours=4),
        StopReason.ACCEPTED,
        stream[3].event_id,
    )
    assert stopped_after(stream, RESOLUTION, started_version=1) is None
    assert stopped_after(stream[:3], FIRST, started_version=2) is None
