"""Objection to an assignment (异议): the department given the complaint objects by the end of that
working day, once at a time; a supervisor upholds it (a transfer follows, so the clocks follow the
new owner) or rejects it (the department keeps it)."""

from __future__ import annotations

import pytest

from shared.complaints.errors import RejectionCode
from shared.complaints.stages.dispatch import ComplaintTransferred
from shared.complaints.stages.objection import AssignmentObjected, ObjectionRejected, ObjectionUpheld
from shared.complaints.values import Status
from tests.builders import (
    DEPT,
    OTHER_DEPT,
    a_complaint_in,
    accept,
    agent,
    apply,
    at,
    decide_objection,
    object_to_assignment,
    progress,
    rejection,
    resolve,
    run,
    supervisor,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("status", [Status.ASSIGNED, Status.ACCEPTED, Status.TRANSFERRED])
def test_the_department_objects_the_same_working_day(status: Status) -> None:
    state, events = apply(a_complaint_in(status), object_to_assignment(when=at(hours=5)))

    assert events == [
        AssignmentObjected(department=DEPT, reason="属物流配送问题", objected_until=at(hours=9))
    ]
    assert state.objecting_department == DEPT


def test_after_the_working_day_the_objection_is_refused_with_the_reason() -> None:
    refused = rejection(apply(a_complaint_in(Status.ASSIGNED), object_to_assignment(when=at(days=1)))[1])

    assert refused.reason_code == RejectionCode.OBJECTION_TOO_LATE
    assert "2026-01-05 01:00 UTC" in refused.reason and "2026-01-05 10:00 UTC" in refused.reason
    assert "工作日" in refused.reason_zh


def test_a_department_working_on_it_no_longer_objects() -> None:
    refused = rejection(apply(a_complaint_in(Status.IN_PROGRESS), object_to_assignment())[1])

    assert refused.reason_code == RejectionCode.WRONG_STATE


def test_only_the_responsible_department_objects() -> None:
    events = apply(a_complaint_in(Status.ASSIGNED), object_to_assignment(by=agent(OTHER_DEPT)))[1]

    assert rejection(events).reason_code == RejectionCode.NOT_OWNER


def test_a_supervisor_does_not_object_for_the_department() -> None:
    events = apply(a_complaint_in(Status.ASSIGNED), object_to_assignment(by=supervisor()))[1]

    assert rejection(events).reason_code == RejectionCode.NOT_PERMITTED


def test_one_objection_at_a_time() -> None:
    state = run(a_complaint_in(Status.ASSIGNED), object_to_assignment())

    assert rejection(apply(state, object_to_assignment())[1]).reason_code == RejectionCode.OBJECTION_PENDING


def test_upheld_the_complaint_is_transferred_and_the_new_department_may_object_in_turn() -> None:
    state = run(a_complaint_in(Status.ACCEPTED), object_to_assignment())

    state, events = apply(state, decide_objection(True, to=OTHER_DEPT, when=at(hours=2)))

    assert events == [
        ObjectionUpheld(department=DEPT, to_department=OTHER_DEPT, rule="manual", reason="同意改派"),
        ComplaintTransferred(from_department=DEPT, to_department=OTHER_DEPT, reason="同意改派"),
    ]
    assert (state.status, state.department, state.agent) == (Status.TRANSFERRED, OTHER_DEPT, None)
    assert state.objecting_department is None and state.assigned_at == at(hours=2)
    later = object_to_assignment(by=agent(OTHER_DEPT), when=at(hours=8))
    assert isinstance(apply(state, later)[1][0], AssignmentObjected)


def test_rejected_the_department_keeps_it_and_nothing_else_changes() -> None:
    before = run(a_complaint_in(Status.ACCEPTED), object_to_assignment())

    after, events = apply(before, decide_objection(False, to=None, reason="属产品质量问题"))

    assert events == [ObjectionRejected(department=DEPT, reason="属产品质量问题")]
    assert (after.status, after.department, after.agent) == (before.status, DEPT, before.agent)
    assert after.objecting_department is None
    assert after.on_hold is False  # an objection never paused the clocks


def test_an_answered_complaint_is_not_moved_but_the_objection_may_be_rejected() -> None:
    state = run(a_complaint_in(Status.ASSIGNED), object_to_assignment(), accept(), progress(), resolve())

    refused = rejection(apply(state, decide_objection(True))[1])

    assert refused.reason_code == RejectionCode.WRONG_STATE
    assert isinstance(apply(state, decide_objection(False))[1][0], ObjectionRejected)


def test_the_decision_needs_an_objection() -> None:
    events = apply(a_complaint_in(Status.ASSIGNED), decide_objection(True))[1]

    assert rejection(events).reason_code == RejectionCode.NO_OBJECTION_PENDING


def test_upheld_without_a_department_when_no_rule_gives_another() -> None:
    state = run(a_complaint_in(Status.ASSIGNED), object_to_assignment())

    refused = rejection(apply(state, decide_objection(True, to=None))[1])

    assert refused.reason_code == RejectionCode.NO_OTHER_DEPARTMENT


def test_upheld_to_the_objecting_department_is_refused() -> None:
    state = run(a_complaint_in(Status.ASSIGNED), object_to_assignment())

    refused = rejection(apply(state, decide_objection(True, to=DEPT))[1])

    assert refused.reason_code == RejectionCode.SAME_DEPARTMENT


@pytest.mark.parametrize("by", [agent(), agent(OTHER_DEPT)])
def test_only_staff_decide(by: object) -> None:
    state = run(a_complaint_in(Status.ASSIGNED), object_to_assignment())

    events = apply(state, decide_objection(True, by=by))[1]  # type: ignore[arg-type]

    assert rejection(events).reason_code == RejectionCode.NOT_PERMITTED
