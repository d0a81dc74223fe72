"""Every allowed transition: the events decided and the status they lead to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.complaints import (
    OPEN_STATUSES,
    CommandRejected,
    ComplaintAccepted,
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintClosedAsNotAComplaint,
    ComplaintCorrectionLapsed,
    ComplaintEscalated,
    ComplaintLinkedAsPossibleDuplicate,
    ComplaintMerged,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintReturnedForCorrection,
    ComplaintTransferred,
    ComplaintWithdrawn,
    DuplicateMergedInto,
    FeedbackReceived,
    Flag,
    ProgressRecorded,
    RecordMergedDuplicate,
    RevisitScheduled,
    SlaBreached,
    SlaWarningRaised,
    Status,
)
from shared.complaints.commands import Command
from shared.complaints.state import ComplaintState
from shared.events import Event
from tests.builders import (
    DEPT,
    OTHER_DEPT,
    a_complaint_in,
    a_new_complaint,
    accept,
    acknowledge,
    agent,
    apply,
    assign,
    at,
    escalate,
    feedback,
    lapse_correction,
    link_duplicate,
    merge,
    not_a_complaint,
    progress,
    receive,
    reopen,
    resolve,
    return_for_correction,
    schedule_revisit,
    sla_breach,
    sla_warning,
    supervisor,
    transfer,
    withdraw,
)

pytestmark = pytest.mark.unit

S = Status
OPEN = sorted(OPEN_STATUSES - {Status.AWAITING_CORRECTION})
"""Open statuses of a received complaint (one awaiting correction is not received yet)."""


def _case(
    start: Status | None,
    command: Callable[[], Command],
    events: list[type[Event]],
    end: Status,
) -> Any:
    name = command().name()
    return pytest.param(start, command, events, end, id=f"{start or 'new'}-{name}->{end}")


TRANSITIONS = [
    _case(None, receive, [ComplaintReceived], S.RECEIVED),
    *[_case(s, acknowledge, [ComplaintAcknowledged], s) for s in OPEN],
    _case(S.RECEIVED, assign, [ComplaintAssigned], S.ASSIGNED),
    *[_case(s, accept, [ComplaintAccepted], S.ACCEPTED) for s in (S.ASSIGNED, S.TRANSFERRED, S.REOPENED)],
    *[_case(s, progress, [ProgressRecorded], S.IN_PROGRESS) for s in (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)],
    *[_case(s, resolve, [ComplaintResolved], S.RESOLVED) for s in (S.ACCEPTED, S.IN_PROGRESS, S.REOPENED)],
    *[
        _case(s, transfer, [ComplaintTransferred], S.TRANSFERRED)
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.TRANSFERRED)
    ],
    *[_case(s, escalate, [ComplaintEscalated], s) for s in OPEN],
    _case(S.RESOLVED, schedule_revisit, [RevisitScheduled], S.REVISIT_PENDING),
    *[
        _case(s, lambda: feedback(satisfied=True), [FeedbackReceived, ComplaintClosed], S.CLOSED)
        for s in (S.RESOLVED, S.REVISIT_PENDING)
    ],
    *[
        _case(s, lambda: feedback(satisfied=False), [FeedbackReceived, ComplaintReopened], S.REOPENED)
        for s in (S.RESOLVED, S.REVISIT_PENDING)
    ],
    _case(S.CLOSED, reopen, [ComplaintReopened], S.REOPENED),
    *[_case(s, withdraw, [ComplaintWithdrawn], S.WITHDRAWN) for s in OPEN],
    *[
        _case(s, not_a_complaint, [ComplaintClosedAsNotAComplaint], S.CLOSED_NOT_COMPLAINT)
        for s in (S.RECEIVED, S.ASSIGNED, S.ACCEPTED)
    ],
    *[_case(s, sla_warning, [SlaWarningRaised], s) for s in OPEN],
    *[_case(s, sla_breach, [SlaBreached], s) for s in OPEN],
    *[_case(s, link_duplicate, [ComplaintLinkedAsPossibleDuplicate], s) for s in OPEN],
    *[
        _case(s, merge, [ComplaintMerged], S.MERGED)
        for s in (S.RECEIVED, S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED, S.REOPENED)
    ],
    _case(None, return_for_correction, [ComplaintReturnedForCorrection], S.AWAITING_CORRECTION),
    _case(S.AWAITING_CORRECTION, receive, [ComplaintReceived], S.RECEIVED),
    _case(S.AWAITING_CORRECTION, lapse_correction, [ComplaintCorrectionLapsed], S.CORRECTION_LAPSED),
]


def _start(status: Status | None) -> ComplaintState:
    return a_new_complaint() if status is None else a_complaint_in(status)


@pytest.mark.parametrize(("start", "command", "expected", "end"), TRANSITIONS)
def test_allowed_transition(
    start: Status | None, command: Callable[[], Command], expected: list[type[Event]], end: Status
) -> None:
    before = _start(start)

    after, events = apply(before, command())

    assert [type(e) for e in events] == expected
    assert not any(isinstance(e, CommandRejected) for e in events)
    assert after.status is end
    assert after.version == before.version + len(expected)


def test_every_status_is_reached_by_some_transition() -> None:
    ends = {param.values[3] for param in TRANSITIONS}
    assert ends == set(Status)


def test_receiving_records_what_reports_need() -> None:
    state, _ = apply(a_new_complaint(), receive(when=at(5)))

    assert state.complaint_no == "TS-20260105-0001"
    assert state.received_at == at(5)
    assert state.department is None
    assert state.acknowledged is False


def test_received_at_defaults_to_the_command_time_but_the_channel_may_give_it() -> None:
    _, [default] = apply(a_new_complaint(), receive(when=at(5)))
    _, [given] = apply(a_new_complaint(), receive(when=at(5), received_at=at(-60)))

    assert isinstance(default, ComplaintReceived) and default.received_at == at(5)
    assert isinstance(given, ComplaintReceived) and given.received_at == at(-60)


def test_acknowledging_marks_the_complaint_acknowledged() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), acknowledge())
    assert state.acknowledged is True


def test_assignment_makes_the_department_the_owner() -> None:
    state, [event] = apply(a_complaint_in(S.RECEIVED), assign("logistics", rule="delivery-to-logistics"))

    assert event == ComplaintAssigned(department="logistics", rule="delivery-to-logistics")
    assert state.department == "logistics"


def test_acceptance_records_the_handling_agent() -> None:
    state, [event] = apply(a_complaint_in(S.ASSIGNED), accept(by=agent(DEPT, id="agent-7")))

    assert event == ComplaintAccepted(department=DEPT, agent="agent-7")
    assert state.agent == "agent-7"


def test_a_supervisor_may_accept_on_behalf_of_an_agent() -> None:
    _, [event] = apply(a_complaint_in(S.ASSIGNED), accept(by=supervisor(), agent_id="agent-9"))
    assert event == ComplaintAccepted(department=DEPT, agent="agent-9")


def test_resolution_records_when() -> None:
    state, [event] = apply(a_complaint_in(S.IN_PROGRESS), resolve(when=at(hours=30)))

    assert isinstance(event, ComplaintResolved) and event.department == DEPT
    assert state.resolved_at == at(hours=30)


def test_transfer_moves_ownership_and_waits_for_acceptance() -> None:
    state, [event] = apply(a_complaint_in(S.IN_PROGRESS), transfer(to=OTHER_DEPT))

    assert event == ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="属售后范围")
    assert state.department == OTHER_DEPT
    assert state.agent is None

    state, _ = apply(state, accept(by=agent(OTHER_DEPT)))
    assert state.status is S.ACCEPTED


def test_escalation_is_a_flag_and_work_goes_on() -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), escalate())
    assert state.status is S.IN_PROGRESS
    assert state.escalation_level == 1
    assert state.flags == (Flag.ESCALATED,)

    state, [event] = apply(state, escalate())
    assert isinstance(event, ComplaintEscalated) and event.level == 2

    state, _ = apply(state, resolve())
    assert state.status is S.RESOLVED
    assert state.escalated


def test_escalation_may_jump_to_a_given_level() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), escalate(level=3))
    assert state.escalation_level == 3


def test_revisit_keeps_its_due_time() -> None:
    state, _ = apply(a_complaint_in(S.RESOLVED), schedule_revisit(due=at(days=3)))
    assert state.revisit_due_at == at(days=3)


def test_a_supervisor_reopens_a_closed_complaint_flagged() -> None:
    state, [event] = apply(a_complaint_in(S.CLOSED), reopen(when=at(days=10)))

    assert isinstance(event, ComplaintReopened)
    assert event.department == DEPT and event.reopen_count == 1 and event.trigger == "supervisor"
    assert state.flagged_reopened and Flag.REOPENED in state.flags
    assert state.closed_at is None and state.close_reason is None


def test_a_supervisor_may_reopen_to_another_department() -> None:
    state, _ = apply(a_complaint_in(S.CLOSED), reopen(department="finance"))
    assert state.department == "finance"
    assert state.agent is None


@pytest.mark.parametrize("final", [withdraw, not_a_complaint])
def test_final_closings_record_when(final: Callable[..., Command]) -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), final(when=at(hours=1)))
    assert state.closed_at == at(hours=1)
    assert state.is_final


def test_sla_breach_names_the_responsible_department() -> None:
    _, [before_assignment] = apply(a_complaint_in(S.RECEIVED), sla_breach())
    _, [after_assignment] = apply(a_complaint_in(S.IN_PROGRESS), sla_breach())

    assert isinstance(before_assignment, SlaBreached) and before_assignment.department is None
    assert isinstance(after_assignment, SlaBreached) and after_assignment.department == DEPT


def test_sla_events_are_kept_on_the_state() -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), sla_warning())
    state, _ = apply(state, sla_breach())
    assert len(state.sla_warnings) == 1
    assert len(state.sla_breaches) == 1


def test_the_survivor_records_each_duplicate_merged_into_it_once() -> None:
    survivor = a_complaint_in(S.ASSIGNED)
    record = RecordMergedDuplicate(actor=supervisor(), at=at(), duplicate="TS-20260105-0009", reason="重复")
    after, events = apply(survivor, record)
    assert [type(e) for e in events] == [DuplicateMergedInto]
    assert after.merged_duplicates == ("TS-20260105-0009",) and after.status is S.ASSIGNED
    _, again = apply(after, record)
    assert isinstance(again[0], CommandRejected) and again[0].reason_code == "already_recorded"


def test_a_merged_complaint_points_to_the_survivor() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), link_duplicate(of="TS-20260104-0007"))
    assert state.possible_duplicate_of == "TS-20260104-0007"
    merged, _ = apply(state, merge(into="TS-20260104-0007"))
    assert merged.merged_into == "TS-20260104-0007"
    assert merged.is_final


def test_a_corrected_submission_is_received_on_the_same_stream() -> None:
    returned, _ = apply(a_new_complaint(), return_for_correction(missing=["complainant.phone"]))
    assert returned.correction is not None
    assert returned.correction.missing_fields == ["complainant.phone"]
    received, _ = apply(returned, receive())
    assert received.status is S.RECEIVED
    assert received.version == 2
