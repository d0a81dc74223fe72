"""The green channel: an urgent or level-3 complaint's department head and the supervisors are
told once per department."""

from __future__ import annotations

import pytest

from shared.complaints.errors import RejectionCode
from shared.complaints.stages.green_channel import GreenChannelOpened
from shared.complaints.state import ComplaintState
from shared.complaints.values import Grade, Status
from tests.builders import (
    OTHER_DEPT,
    a_complaint_in,
    apply,
    assign,
    open_green_channel,
    receive,
    rejection,
    run,
    supervisor,
    transfer,
)

pytestmark = pytest.mark.unit


def an_assigned(grade: Grade) -> ComplaintState:
    return run(ComplaintState.initial(), receive(grade=grade), assign())


@pytest.mark.parametrize("grade", [Grade.URGENT, Grade.LEVEL_3])
def test_an_urgent_complaint_opens_it_naming_who_was_told(grade: Grade) -> None:
    state, events = apply(an_assigned(grade), open_green_channel())

    assert events == [
        GreenChannelOpened(
            department="quality",
            grade=grade,
            notified_roles=["department_head", "supervisor"],
            notified=["head-1", "supervisor-1"],
        )
    ]
    assert state.green_channel_department == "quality"


@pytest.mark.parametrize("grade", [Grade.GENERAL, Grade.COMPLEX, Grade.LEVEL_2, Grade.SEVERE])
def test_other_grades_open_nothing(grade: Grade) -> None:
    assert apply(an_assigned(grade), open_green_channel())[1] == []


def test_the_same_department_is_told_once() -> None:
    state = run(an_assigned(Grade.URGENT), open_green_channel())

    assert apply(state, open_green_channel())[1] == []


def test_a_transfer_tells_the_new_department() -> None:
    state = run(an_assigned(Grade.URGENT), open_green_channel(), transfer(to=OTHER_DEPT, by=supervisor()))

    state, events = apply(state, open_green_channel(OTHER_DEPT))

    assert [e.department for e in events if isinstance(e, GreenChannelOpened)] == [OTHER_DEPT]


def test_a_final_complaint_is_refused() -> None:
    state = a_complaint_in(Status.WITHDRAWN)

    assert rejection(apply(state, open_green_channel())[1]).reason_code == RejectionCode.ALREADY_CLOSED
