"""Which complaint events start, stop and move the SLA clocks."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from services.sla.clocks import (
    CLOCK_EVENTS,
    PAUSABLE,
    WORK_STAGES,
    Extend,
    Pause,
    Reassign,
    Regrade,
    Resume,
    Start,
    Stop,
    StopReason,
    moved_after,
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
    ComplaintPutOnHold,
    ComplaintRegraded,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
    ComplaintTransferred,
    ComplaintWithdrawn,
    FeedbackReceived,
    Grade,
    ProgressKind,
    ProgressRecorded,
    ReopenTrigger,
    SlaExtensionApproved,
    SlaStage,
)
from shared.complaints.values import CloseReason
from shared.durations import IsoDuration
from shared.events import Actor, Event, RecordedEvent
from tests.builders import DEPT, OTHER_DEPT, T0, at, received

pytestmark = pytest.mark.unit

FIRST, RESOLUTION = SlaStage.FIRST_RESPONSE, SlaStage.RESOLUTION
WHEN = at(hours=1)


def test_receipt_starts_acknowledgement_plan_and_resolution_when_the_complaint_was_received() -> None:
    assert transitions(received(received_at=at(minutes=-30)), WHEN) == [
        Start(SlaStage.ACKNOWLEDGEMENT, at(minutes=-30), None),
        Start(SlaStage.INITIAL_PLAN, at(minutes=-30), None),
        Start(RESOLUTION, at(minutes=-30), None),
    ]


def test_assignment_starts_first_response_and_hands_resolution_to_the_department() -> None:
    assert transitions(ComplaintAssigned(department=DEPT, rule="category"), WHEN) == [
        Reassign(DEPT),
        Start(FIRST, WHEN, DEPT),
    ]


def test_acceptance_stops_first_response_and_starts_the_progress_clock() -> None:
    assert transitions(ComplaintAccepted(department=DEPT, agent="a"), WHEN) == [
        Stop(FIRST, StopReason.ACCEPTED),
        Stop(SlaStage.PROGRESS_UPDATE, StopReason.ACCEPTED),
        Start(SlaStage.PROGRESS_UPDATE, WHEN, DEPT),
    ]


def test_transfer_restarts_first_response_for_the_new_owner() -> None:
    event = ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="x")
    assert transitions(event, WHEN) == [
        Reassign(OTHER_DEPT),
        Resume(PAUSABLE),
        Stop(FIRST, StopReason.TRANSFERRED),
        Stop(SlaStage.PROGRESS_UPDATE, StopReason.TRANSFERRED),
        Start(FIRST, WHEN, OTHER_DEPT),
    ]


def test_reopen_starts_both_clocks_again() -> None:
    event = ComplaintReopened(department=DEPT, reason="x", reopen_count=1, trigger=ReopenTrigger.FEEDBACK)
    assert transitions(event, WHEN) == [
        *[Stop(stage, StopReason.REOPENED) for stage in (*WORK_STAGES, SlaStage.REVISIT)],
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
def test_the_end_of_the_work_stops_every_work_clock(event: Event, reason: StopReason) -> None:
    changes = transitions(event, WHEN)
    assert changes[: len(WORK_STAGES)] == [Stop(stage, reason) for stage in WORK_STAGES]


def test_resolution_starts_the_revisit_clock_and_feedback_stops_it() -> None:
    assert transitions(ComplaintResolved(department=DEPT, resolution="done"), WHEN)[-1] == Start(
        SlaStage.REVISIT, WHEN, DEPT
    )
    feedback = FeedbackReceived(satisfied=True, score=5)
    assert transitions(feedback, WHEN) == [Stop(SlaStage.REVISIT, StopReason.FEEDBACK)]


def test_acknowledgement_stops_its_clock() -> None:
    assert transitions(ComplaintAcknowledged(via="sms", message_key="ack"), WHEN) == [
        Stop(SlaStage.ACKNOWLEDGEMENT, StopReason.ACKNOWLEDGED)
    ]


def test_each_progress_update_restarts_the_progress_clock_and_a_plan_stops_the_plan_clock() -> None:
    update = ProgressRecorded(department=DEPT, note="x")
    restart = [
        Stop(SlaStage.PROGRESS_UPDATE, StopReason.PROGRESS_RECORDED),
        Start(SlaStage.PROGRESS_UPDATE, WHEN, DEPT),
    ]
    assert transitions(update, WHEN) == restart
    plan = ProgressRecorded(department=DEPT, note="x", kind=ProgressKind.PLAN)
    assert transitions(plan, WHEN) == [Stop(SlaStage.INITIAL_PLAN, StopReason.PLAN_RECORDED), *restart]


def test_hold_pauses_and_resume_resumes_resolution_and_progress() -> None:
    assert transitions(ComplaintPutOnHold(department=DEPT, reason="photos"), WHEN) == [Pause(PAUSABLE)]
    resumed = ComplaintResumed(department=DEPT, on_hold_since=T0)
    assert transitions(resumed, WHEN) == [Resume(PAUSABLE)]
    assert {RESOLUTION, SlaStage.PROGRESS_UPDATE} == PAUSABLE


def test_an_approved_extension_extends_its_stage_and_a_regrade_replans() -> None:
    approved = SlaExtensionApproved(stage=RESOLUTION, extension=timedelta(days=2))
    assert transitions(approved, WHEN) == [Extend(RESOLUTION, IsoDuration(days=2))]
    regraded = ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="safety")
    assert transitions(regraded, WHEN) == [Regrade(Grade.URGENT)]


def test_the_stream_tells_whether_a_clock_was_moved_after_the_table_saw_it() -> None:
    stream = [
        _recorded(1, received(received_at=T0)),
        _recorded(2, ComplaintPutOnHold(department=DEPT, reason="photos")),
    ]
    assert moved_after(stream, RESOLUTION, 1)
    assert not moved_after(stream, RESOLUTION, 2)
    assert not moved_after(stream, FIRST, 1)


@pytest.mark.parametrize(
    "event",
    [
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
