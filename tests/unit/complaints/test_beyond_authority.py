"""Beyond the handler's authority: the handling department reports to the director, once at a
time; only the director answers, and only a matter that waits."""

from __future__ import annotations

import pytest

from shared.complaints.errors import RejectionCode
from shared.complaints.stages.beyond_authority import (
    ComplaintReportedBeyondAuthority,
    DirectorInstructionRecorded,
)
from shared.complaints.values import Status
from tests.builders import (
    OTHER_DEPT,
    a_complaint_in,
    agent,
    apply,
    director,
    director_instruction,
    rejection,
    report_beyond_authority,
    run,
    supervisor,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.IN_PROGRESS, Status.REOPENED])
def test_the_handling_department_reports_to_the_director(status: Status) -> None:
    state, events = apply(a_complaint_in(status), report_beyond_authority())

    assert events == [ComplaintReportedBeyondAuthority(department="quality", reason="refund above our limit")]
    assert state.awaiting_director


def test_another_department_may_not_report() -> None:
    events = apply(a_complaint_in(Status.ACCEPTED), report_beyond_authority(by=agent(OTHER_DEPT)))[1]

    assert rejection(events).reason_code == RejectionCode.NOT_OWNER


def test_before_acceptance_nothing_is_reported() -> None:
    events = apply(a_complaint_in(Status.ASSIGNED), report_beyond_authority())[1]

    assert rejection(events).reason_code == RejectionCode.NOT_ACCEPTED


def test_a_second_report_waits_for_the_first_answer() -> None:
    state = run(a_complaint_in(Status.ACCEPTED), report_beyond_authority())

    refused = rejection(apply(state, report_beyond_authority(by=supervisor()))[1])

    assert refused.reason_code == RejectionCode.ALREADY_REPORTED
    assert "director" in refused.reason and "总监" in refused.reason_zh


def test_the_director_answers_and_a_new_report_may_follow() -> None:
    state = run(a_complaint_in(Status.ACCEPTED), report_beyond_authority())

    state, events = apply(state, director_instruction())

    assert events == [DirectorInstructionRecorded(instruction="refund in full")]
    assert not state.awaiting_director
    assert apply(state, report_beyond_authority())[1][0].__class__ is ComplaintReportedBeyondAuthority


def test_nothing_to_answer_is_refused() -> None:
    events = apply(a_complaint_in(Status.ACCEPTED), director_instruction())[1]

    assert rejection(events).reason_code == RejectionCode.NOT_REPORTED


@pytest.mark.parametrize("by", [supervisor(), agent()])
def test_only_the_director_answers(by: object) -> None:
    state = run(a_complaint_in(Status.ACCEPTED), report_beyond_authority())

    events = apply(state, director_instruction(by=by))[1]  # type: ignore[arg-type]

    assert rejection(events).reason_code == RejectionCode.NOT_PERMITTED


def test_the_director_may_not_do_the_departments_work() -> None:
    events = apply(a_complaint_in(Status.ACCEPTED), report_beyond_authority(by=director()))[1]

    assert rejection(events).reason_code == RejectionCode.NOT_PERMITTED
