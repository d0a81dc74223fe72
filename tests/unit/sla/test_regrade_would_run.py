"""Which clocks a complaint's events would have running whatever the grade: what a regrade to a
grade with more clocks starts, and from when."""

from __future__ import annotations

import uuid

import pytest

from services.sla.clocks import WouldRun, would_run
from shared.complaints import (
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintPutOnHold,
    ComplaintRegraded,
    ComplaintResolved,
    ComplaintResumed,
    Grade,
    ProgressKind,
    ProgressRecorded,
    SlaStage,
)
from shared.events import Actor, Event, RecordedEvent
from tests.builders import DEPT, T0, at, received

pytestmark = pytest.mark.unit

S = SlaStage


def _stream(*payloads: Event) -> list[RecordedEvent]:
    """One event an hour, version n at T0 + n h."""
    return [
        RecordedEvent(
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
        for version, payload in enumerate(payloads, start=1)
    ]


ASSIGNED = ComplaintAssigned(department=DEPT, rule="manual")
ACCEPTED = ComplaintAccepted(department=DEPT, agent="agent-1")
REGRADED = ComplaintRegraded(grade=Grade.COMPLEX, previous_grade=Grade.GENERAL, reason="涉及多部门")


def test_a_new_complaint_would_run_acknowledgement_plan_and_resolution_from_receipt() -> None:
    clocks = would_run(_stream(received(received_at=T0), REGRADED), before_version=2)
    assert clocks == {
        S.ACKNOWLEDGEMENT: WouldRun(S.ACKNOWLEDGEMENT, T0, None),
        S.INITIAL_PLAN: WouldRun(S.INITIAL_PLAN, T0, None),
        S.RESOLUTION: WouldRun(S.RESOLUTION, T0, None),
    }


def test_an_accepted_complaint_would_run_progress_from_the_last_update_for_the_owner() -> None:
    update = ProgressRecorded(department=DEPT, note="已联系", kind=ProgressKind.PLAN)
    events = _stream(
        received(received_at=T0),
        ComplaintAcknowledged(via="sms", message_key="ack"),
        ASSIGNED,
        ACCEPTED,
        update,
        REGRADED,
    )
    clocks = would_run(events, before_version=6)
    assert set(clocks) == {S.PROGRESS_UPDATE, S.RESOLUTION}
    assert clocks[S.PROGRESS_UPDATE] == WouldRun(S.PROGRESS_UPDATE, at(hours=5), DEPT)
    assert clocks[S.RESOLUTION].department == DEPT  # follows the owner since the assignment


def test_an_assigned_complaint_would_run_first_response_until_accepted() -> None:
    clocks = would_run(_stream(received(received_at=T0), ASSIGNED, REGRADED), before_version=3)
    assert clocks[S.FIRST_RESPONSE] == WouldRun(S.FIRST_RESPONSE, at(hours=2), DEPT)
    assert S.PROGRESS_UPDATE not in clocks


def test_time_on_hold_is_kept_and_a_running_pause_carried() -> None:
    hold = ComplaintPutOnHold(department=DEPT, reason="等待照片")
    events = _stream(
        received(received_at=T0),
        ASSIGNED,
        ACCEPTED,
        hold,
        ComplaintResumed(department=DEPT, on_hold_since=at(hours=4)),
        hold,
        REGRADED,
    )
    progress = would_run(events, before_version=7)[S.PROGRESS_UPDATE]
    assert progress.pauses == ((at(hours=4), at(hours=5)),)
    assert progress.paused_at == at(hours=6)


def test_a_resolved_complaint_would_run_only_the_revisit() -> None:
    events = _stream(
        received(received_at=T0), ASSIGNED, ACCEPTED, ComplaintResolved(department=DEPT, resolution="已更换")
    )
    assert set(would_run(events, before_version=99)) == {S.REVISIT}


def test_events_from_the_regrade_on_are_not_counted() -> None:
    events = _stream(received(received_at=T0), REGRADED, ASSIGNED)
    assert S.FIRST_RESPONSE not in would_run(events, before_version=2)
