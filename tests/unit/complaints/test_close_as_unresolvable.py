"""A complaint that cannot be resolved closes only with the reason and the follow-up plan."""

from __future__ import annotations

import pytest

from shared.complaints import CloseReason, ComplaintClosed, RejectionCode, Status
from shared.complaints.stages.unresolvable import ComplaintDeclaredUnresolvable
from tests.builders import a_complaint_in, agent, apply, close_unresolvable, rejection

pytestmark = pytest.mark.unit

S = Status


@pytest.mark.parametrize("start", [S.IN_PROGRESS, S.REOPENED, S.RESOLVED, S.REVISIT_PENDING])
def test_closing_as_unresolvable_records_the_reason_and_the_plan(start: Status) -> None:
    state, events = apply(a_complaint_in(start), close_unresolvable("无法更换停产型号", "季度回访"))

    assert events == [
        ComplaintDeclaredUnresolvable(reason="无法更换停产型号", follow_up_plan="季度回访"),
        ComplaintClosed(reason=CloseReason.UNRESOLVABLE),
    ]
    assert state.status is S.CLOSED
    assert state.close_reason is CloseReason.UNRESOLVABLE
    assert state.follow_up_plan == "季度回访"


@pytest.mark.parametrize(
    ("reason", "plan", "code"),
    [
        ("", "季度回访", RejectionCode.UNRESOLVABLE_WITHOUT_REASON),
        ("   ", "季度回访", RejectionCode.UNRESOLVABLE_WITHOUT_REASON),
        ("无法更换", "", RejectionCode.UNRESOLVABLE_WITHOUT_PLAN),
        ("无法更换", " \n", RejectionCode.UNRESOLVABLE_WITHOUT_PLAN),
    ],
)
def test_without_the_reason_or_the_plan_it_is_refused(reason: str, plan: str, code: RejectionCode) -> None:
    state = a_complaint_in(S.IN_PROGRESS)

    refused = rejection(apply(state, close_unresolvable(reason, plan))[1])

    assert refused.reason_code == code
    assert refused.reason and refused.reason_zh


@pytest.mark.parametrize("start", [S.RECEIVED, S.CLOSED])
def test_only_an_assigned_open_complaint_may_be_closed_so(start: Status) -> None:
    refused = rejection(apply(a_complaint_in(start), close_unresolvable())[1])

    assert refused.reason_code in {RejectionCode.WRONG_STATE, RejectionCode.ALREADY_CLOSED}


def test_an_agent_may_not_close_as_unresolvable() -> None:
    refused = rejection(apply(a_complaint_in(S.IN_PROGRESS), close_unresolvable(by=agent()))[1])

    assert refused.reason_code == RejectionCode.NOT_PERMITTED
