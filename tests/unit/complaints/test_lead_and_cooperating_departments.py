"""Lead and co-operating departments (牵头/协同): the dispatch or the lead names co-operating
departments; each signs for its request and records its contribution; the lead answers only once
the contributions are in, unless a supervisor overrides with a reason (the missing ones waived)."""

from __future__ import annotations

import pytest

from shared.complaints.errors import RejectionCode
from shared.complaints.stages.cooperation import (
    BECAME_LEAD,
    ContributionRecorded,
    ContributionsWaived,
    CooperationAccepted,
    CooperationRequested,
    CooperationWithdrawn,
)
from shared.complaints.stages.dispatch import ComplaintAssigned, ComplaintTransferred
from shared.complaints.stages.handling import ComplaintResolved
from shared.complaints.state import ComplaintState
from shared.complaints.values import CooperationStatus, Status
from tests.builders import (
    COOP_DEPT,
    DEPT,
    OTHER_DEPT,
    a_complaint_in,
    accept_cooperation,
    agent,
    apply,
    assign,
    at,
    contribute,
    receive,
    rejection,
    request_cooperation,
    resolve,
    run,
    supervisor,
    transfer,
    withdraw,
    withdraw_cooperation,
)

pytestmark = pytest.mark.unit

C = CooperationStatus
COOP_AGENT = agent(COOP_DEPT, "coop-1")


def working_with_a_cooperator() -> ComplaintState:
    return run(a_complaint_in(Status.IN_PROGRESS), request_cooperation(COOP_DEPT, when=at(hours=1)))


def test_the_dispatch_names_the_lead_and_the_cooperating_departments() -> None:
    received = run(ComplaintState.initial(), receive())
    state, events = apply(received, assign(DEPT, cooperating=[COOP_DEPT, OTHER_DEPT]))

    assert isinstance(events[0], ComplaintAssigned) and events[0].department == DEPT
    assert events[1:] == [
        CooperationRequested(department=COOP_DEPT, lead_department=DEPT, note=None),
        CooperationRequested(department=OTHER_DEPT, lead_department=DEPT, note=None),
    ]
    assert state.department == DEPT
    assert [(c.department, c.status) for c in state.cooperations] == [
        (COOP_DEPT, C.REQUESTED),
        (OTHER_DEPT, C.REQUESTED),
    ]


def test_the_lead_cannot_cooperate_with_itself_nor_a_department_twice() -> None:
    received = run(ComplaintState.initial(), receive())
    assert rejection(apply(received, assign(DEPT, cooperating=[DEPT]))[1]).reason_code == (
        RejectionCode.COOPERATION_WITH_ITSELF
    )
    twice = rejection(apply(working_with_a_cooperator(), request_cooperation(COOP_DEPT))[1])
    assert twice.reason_code == RejectionCode.ALREADY_COOPERATING
    assert "Logistics" in twice.reason and "物流部" in twice.reason_zh


def test_only_the_lead_or_a_supervisor_asks_for_cooperation() -> None:
    state = a_complaint_in(Status.ACCEPTED)
    refused = apply(state, request_cooperation(COOP_DEPT, by=agent(OTHER_DEPT)))[1]
    assert rejection(refused).reason_code == RejectionCode.NOT_OWNER
    assert apply(state, request_cooperation(COOP_DEPT, by=supervisor()))[0].cooperations


def test_the_cooperating_department_signs_for_it_then_contributes() -> None:
    state, events = apply(working_with_a_cooperator(), accept_cooperation(when=at(hours=2)))
    assert events == [CooperationAccepted(department=COOP_DEPT, agent="coop-1")]
    state, events = apply(state, contribute(when=at(hours=3)))
    assert events == [ContributionRecorded(department=COOP_DEPT, contribution="配送记录显示包装破损")]
    (record,) = state.cooperations
    assert (record.status, record.agent) == (C.CONTRIBUTED, "coop-1")
    assert (record.requested_at, record.accepted_at, record.contributed_at) == (
        at(hours=1),
        at(hours=2),
        at(hours=3),
    )


def test_a_contribution_needs_the_sign_for_and_one_suffices() -> None:
    state = working_with_a_cooperator()
    assert rejection(apply(state, contribute())[1]).reason_code == RejectionCode.COOPERATION_NOT_ACCEPTED
    state = run(state, accept_cooperation())
    again = apply(state, accept_cooperation())[1]
    assert rejection(again).reason_code == RejectionCode.COOPERATION_ALREADY_ACCEPTED
    state = run(state, contribute())
    assert rejection(apply(state, contribute())[1]).reason_code == RejectionCode.NOT_COOPERATING


def test_only_the_cooperating_department_acts_on_its_request() -> None:
    state = working_with_a_cooperator()
    for by in (agent(OTHER_DEPT), agent(DEPT)):
        refused = apply(state, accept_cooperation(by=by))[1]
        assert rejection(refused).reason_code == RejectionCode.NOT_COOPERATING
    named_other = apply(state, accept_cooperation(department=OTHER_DEPT))[1]
    assert rejection(named_other).reason_code == RejectionCode.NOT_COOPERATING
    on_behalf = apply(state, accept_cooperation(by=supervisor(), department=COOP_DEPT))[1]
    assert on_behalf == [CooperationAccepted(department=COOP_DEPT, agent="supervisor-1")]


def test_the_lead_answers_only_once_the_contributions_are_in() -> None:
    state = working_with_a_cooperator()
    refused = rejection(apply(state, resolve())[1])
    assert refused.reason_code == RejectionCode.CONTRIBUTIONS_MISSING
    assert "Logistics" in refused.reason and "物流部" in refused.reason_zh

    state = run(state, accept_cooperation(), contribute())
    resolved, events = apply(state, resolve())
    assert isinstance(events[0], ComplaintResolved) and resolved.status is Status.RESOLVED


def test_an_agent_cannot_override_but_a_supervisor_can_with_a_reason() -> None:
    state = working_with_a_cooperator()
    by_agent = apply(state, resolve(override_reason="急"))[1]
    assert rejection(by_agent).reason_code == RejectionCode.CONTRIBUTIONS_MISSING

    state, events = apply(state, resolve(by=supervisor(), override_reason="物流部长期未回复"))
    assert events[0] == ContributionsWaived(departments=[COOP_DEPT], reason="物流部长期未回复")
    assert isinstance(events[1], ComplaintResolved)
    assert state.cooperations[0].status is C.WAIVED and state.status is Status.RESOLVED


def test_a_withdrawn_request_owes_nothing() -> None:
    state, events = apply(working_with_a_cooperator(), withdraw_cooperation())
    assert events == [CooperationWithdrawn(department=COOP_DEPT, reason="不再需要")]
    assert state.cooperations[0].status is C.WITHDRAWN
    assert apply(state, resolve())[0].status is Status.RESOLVED
    assert apply(state, request_cooperation(COOP_DEPT))[0].cooperations[0].status is C.REQUESTED


def test_a_transfer_keeps_the_cooperations_and_one_to_a_cooperator_makes_it_lead() -> None:
    state = run(working_with_a_cooperator(), request_cooperation(OTHER_DEPT))
    state, events = apply(state, transfer(to=COOP_DEPT))
    assert events[0] == CooperationWithdrawn(department=COOP_DEPT, reason=BECAME_LEAD)
    assert isinstance(events[1], ComplaintTransferred)
    assert state.department == COOP_DEPT
    assert {c.department: c.status for c in state.cooperations} == {
        COOP_DEPT: C.WITHDRAWN,
        OTHER_DEPT: C.REQUESTED,
    }


def test_a_supervisor_names_the_department_it_acts_for() -> None:
    refused = rejection(apply(working_with_a_cooperator(), accept_cooperation(by=supervisor()))[1])
    assert refused.reason_code == RejectionCode.NOT_COOPERATING
    assert "none was named" in refused.reason and "未指定的部门" in refused.reason_zh


def test_closing_the_complaint_ends_the_open_cooperations() -> None:
    state = run(working_with_a_cooperator(), withdraw())
    assert rejection(apply(state, accept_cooperation())[1]).reason_code == RejectionCode.ALREADY_CLOSED
