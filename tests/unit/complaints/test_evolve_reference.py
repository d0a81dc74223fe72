"""evolve fills a draft and freezes it (replay speed): for every event type, from every state random
command sequences reach (and states only a random mix of events reaches), exactly the state the
earlier evolve gave, which changed every field through ``dataclasses.replace``."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.complaints import (
    Channel,
    CloseReason,
    CommandRejected,
    ComplainantDataErased,
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintCorrectionLapsed,
    ComplaintEscalated,
    ComplaintLinkedAsPossibleDuplicate,
    ComplaintMerged,
    ComplaintPutOnHold,
    ComplaintReceived,
    ComplaintRegraded,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
    ComplaintReturnedForCorrection,
    ComplaintState,
    ComplaintTransferred,
    ComplaintWithdrawn,
    DuplicateMergedInto,
    FeedbackReceived,
    Grade,
    ProgressRecorded,
    RevisitScheduled,
    SlaBreached,
    SlaCalendarYearUnknown,
    SlaExtensionApproved,
    SlaExtensionDeclined,
    SlaExtensionRequested,
    SlaStage,
    SlaWarningRaised,
    Status,
    decide,
    evolve,
)
from shared.complaints.commands import Command
from shared.complaints.errors import UnexpectedEvent
from shared.complaints.kernel import EVOLUTIONS
from shared.complaints.values import ReopenTrigger
from shared.events import Event
from tests.builders import DEPT, OTHER_DEPT, at, received
from tests.unit.complaints.test_properties import command_sequences, guided_sequences

pytestmark = pytest.mark.unit

_NOT_ON_HOLD: dict[str, Any] = {"on_hold": False, "on_hold_since": None}


def _without(state: ComplaintState, stage: object) -> tuple[SlaExtensionRequested, ...]:
    return tuple(request for request in state.pending_extensions if request.stage != stage)


def reference_evolve(state: ComplaintState, event: Event, at: datetime | None = None) -> ComplaintState:
    """evolve as it was before drafts, every change through dataclasses.replace."""
    s = replace(state, version=state.version + 1)

    match event:
        case ComplaintReceived():
            return replace(
                s,
                complaint_no=event.complaint_no,
                status=Status.RECEIVED,
                channel=event.channel,
                category=event.category,
                grade=event.grade,
                complainant_kind=event.complainant_kind,
                anonymous=event.anonymous,
                received_at=event.received_at,
            )
        case ComplaintRegraded():
            return replace(s, grade=event.grade)
        case ComplaintAcknowledged():
            return replace(s, acknowledged=True)
        case ComplaintAssigned():
            return replace(
                s,
                status=Status.ASSIGNED,
                department=event.department,
                agent=None,
                assigned_at=at,
                objecting_department=None,
            )
        case ComplaintAccepted():
            return replace(s, status=Status.ACCEPTED, department=event.department, agent=event.agent)
        case ProgressRecorded():
            return replace(s, status=Status.IN_PROGRESS)
        case ComplaintResolved():
            return replace(s, status=Status.RESOLVED, resolved_at=at or s.resolved_at, **_NOT_ON_HOLD)
        case ComplaintTransferred():
            return replace(
                s,
                status=Status.TRANSFERRED,
                department=event.to_department,
                agent=None,
                assigned_at=at,
                objecting_department=None,
                **_NOT_ON_HOLD,
            )
        case ComplaintEscalated():
            return replace(s, escalation_level=event.level, escalated_to=event.to_role)
        case RevisitScheduled():
            return replace(s, status=Status.REVISIT_PENDING, revisit_due_at=event.due_at)
        case FeedbackReceived():
            confirmed = (
                CloseReason.SATISFIED
                if event.satisfied
                else CloseReason.ACKNOWLEDGED
                if event.acknowledged
                else None
            )
            return replace(s, feedback=event, confirmed=confirmed)
        case ComplaintClosed():
            return replace(s, status=Status.CLOSED, close_reason=event.reason, closed_at=at or s.closed_at)
        case ComplaintReopened():
            return replace(
                s,
                status=Status.REOPENED,
                department=event.department,
                agent=s.agent if event.department == s.department else None,
                reopen_count=event.reopen_count,
                flagged_reopened=True,
                resolved_at=None,
                closed_at=None,
                close_reason=None,
                revisit_due_at=None,
                confirmed=None,
            )
        case ComplaintWithdrawn():
            return replace(s, status=Status.WITHDRAWN, closed_at=at or s.closed_at)
        case ComplaintClosedAsNotAComplaint():
            return replace(s, status=Status.CLOSED_NOT_COMPLAINT, closed_at=at or s.closed_at)
        case SlaWarningRaised():
            return replace(s, sla_warnings=(*s.sla_warnings, event))
        case SlaBreached():
            return replace(s, sla_breaches=(*s.sla_breaches, event))
        case SlaCalendarYearUnknown():
            return s
        case CommandRejected():
            return s
        case ComplaintPutOnHold():
            return replace(s, on_hold=True, on_hold_since=at or s.on_hold_since)
        case ComplaintResumed():
            return replace(s, **_NOT_ON_HOLD)
        case SlaExtensionRequested():
            return replace(s, pending_extensions=(*_without(s, event.stage), event))
        case SlaExtensionApproved() | SlaExtensionDeclined():
            return replace(s, pending_extensions=_without(s, event.stage))
        case ComplainantDataErased():
            return s  # the audit trail of an erasure; the complaint itself goes on
        case ComplaintLinkedAsPossibleDuplicate():
            return replace(s, possible_duplicate_of=event.of)
        case ComplaintMerged():
            return replace(s, status=Status.MERGED, merged_into=event.into, closed_at=at or s.closed_at)
        case ComplaintReturnedForCorrection():
            return replace(
                s,
                complaint_no=event.complaint_no,
                status=Status.AWAITING_CORRECTION,
                channel=event.channel,
                correction=event,
            )
        case ComplaintCorrectionLapsed():
            return replace(s, status=Status.CORRECTION_LAPSED, closed_at=at or s.closed_at)
        case DuplicateMergedInto():
            return replace(s, merged_duplicates=(*s.merged_duplicates, event.duplicate))
    return _through_a_plain_copy(s, event, at)


def _through_a_plain_copy(s: ComplaintState, event: Event, at: datetime | None) -> ComplaintState:
    """An event added since the reference was written: its registered evolution, run on a plain
    mutable copy of the fields instead of a draft, and the changes applied through replace."""
    evolution = EVOLUTIONS.get(type(event))
    if evolution is None:
        raise UnexpectedEvent(f"{type(event).__name__} is not an event of a complaint stream")
    copy = SimpleNamespace(**{field.name: getattr(s, field.name) for field in fields(s)})
    evolution(copy, event, at)
    return replace(s, **vars(copy))


def every_event() -> list[Event]:
    """At least one event of every type evolve knows, with the variants its cases tell apart."""
    deadline = at(hours=4)
    return [
        received(),
        received(complaint_no="TS-OTHER", anonymous=True, complainant=None, grade=Grade.URGENT),
        ComplaintRegraded(grade=Grade.URGENT, previous_grade=Grade.GENERAL, reason="升级"),
        ComplaintAcknowledged(via="sms", message_key="ack"),
        ComplaintAssigned(department=DEPT, rule="category"),
        ComplaintAssigned(department=OTHER_DEPT, rule="manual", note="急"),
        ComplaintAccepted(department=DEPT, agent="agent-1"),
        ComplaintAccepted(department=OTHER_DEPT, agent="agent-2"),
        ProgressRecorded(department=DEPT, note="跟进"),
        ComplaintResolved(department=DEPT, resolution="已处理"),
        ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="不归我们"),
        ComplaintEscalated(level=1, to_role="supervisor", reason="超时"),
        ComplaintEscalated(level=2, to_role="director", reason="再超时", stage=SlaStage.RESOLUTION),
        RevisitScheduled(due_at=at(days=3)),
        FeedbackReceived(satisfied=True, score=5),
        FeedbackReceived(satisfied=False, score=1, comment="不满意"),
        ComplaintClosed(reason=CloseReason.SATISFIED),
        ComplaintReopened(department=DEPT, reason="复发", reopen_count=1, trigger=ReopenTrigger.FEEDBACK),
        ComplaintReopened(
            department=OTHER_DEPT, reason="换部门", reopen_count=2, trigger=ReopenTrigger.SUPERVISOR
        ),
        ComplaintWithdrawn(reason="撤诉"),
        ComplaintClosedAsNotAComplaint(reason="咨询"),
        SlaWarningRaised(stage=SlaStage.RESOLUTION, deadline=deadline, fraction=0.8),
        SlaBreached(stage=SlaStage.FIRST_RESPONSE, deadline=deadline, department=None),
        SlaCalendarYearUnknown(
            stage=SlaStage.RESOLUTION, deadline=deadline, years=[2099], message="unknown", message_zh="未知"
        ),
        CommandRejected(command="X", reason_code="wrong_state", reason="no", reason_zh="不行"),
        ComplaintPutOnHold(department=DEPT, reason="等照片"),
        ComplaintResumed(department=DEPT, on_hold_since=at(hours=1)),
        *(
            SlaExtensionRequested(
                stage=stage,
                department=DEPT,
                deadline=deadline,
                extension=timedelta(days=2),
                reason="需要时间",
                consent_via="phone",
                consent_at=at(hours=2),
            )
            for stage in (SlaStage.RESOLUTION, SlaStage.FIRST_RESPONSE)
        ),
        SlaExtensionApproved(stage=SlaStage.RESOLUTION, extension=timedelta(days=2)),
        SlaExtensionDeclined(stage=SlaStage.FIRST_RESPONSE, reason="不行"),
        ComplainantDataErased(complainant_id=UUID(int=7), reason="request-1"),
        ComplaintLinkedAsPossibleDuplicate(
            of="TS-EARLIER", rule="same-subject", window_days=7, similarity=0.9
        ),
        ComplaintMerged(into="TS-SURVIVOR", reason="重复"),
        ComplaintReturnedForCorrection(
            complaint_no="TS-RET",
            channel=Channel.HOTLINE,
            submission_id="s-1",
            missing_fields=["subject"],
            due_at=at(hours=24),
        ),
        ComplaintCorrectionLapsed(missing_fields=["subject"], due_at=at(hours=24)),
        DuplicateMergedInto(duplicate="TS-DUP", reason="重复"),
    ]


EVERY_EVENT = every_event()
WHEN = st.sampled_from([None, at(minutes=90), at(days=2)])


def test_every_event_type_the_reference_was_written_for_is_sampled() -> None:
    from shared.complaints import COMPLAINT_EVENTS

    sampled = {e.event_type for e in EVERY_EVENT}
    assert sampled <= set(COMPLAINT_EVENTS.types())
    assert len(sampled) == 30  # the events of the earlier evolve; later ones go _through_a_plain_copy


def check(state: ComplaintState, event: Event, when: datetime | None) -> ComplaintState:
    after = evolve(state, event, when)
    assert after == reference_evolve(state, event, when), type(event).__name__
    assert type(after) is ComplaintState
    return after


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(command_sequences(), guided_sequences()), WHEN)
def test_from_every_state_commands_reach_every_event_gives_the_earlier_state(
    commands: list[Command], when: datetime | None
) -> None:
    state = ComplaintState.initial()
    for command in commands:
        for event in EVERY_EVENT:
            check(state, event, when)
        for event in decide(state, command):
            state = check(state, event, command.at)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EVERY_EVENT), WHEN), max_size=30))
def test_any_mix_of_events_gives_the_earlier_state(steps: list[tuple[Event, datetime | None]]) -> None:
    state = ComplaintState.initial()
    for event, when in steps:
        state = check(state, event, when)


def test_an_unknown_event_is_still_an_error() -> None:
    class Stray(Event):
        event_type = "Stray"

    with pytest.raises(UnexpectedEvent):
        evolve(ComplaintState.initial(), Stray())
