"""The loop closes on the complainant's word: satisfied closes, dissatisfied goes back, flagged."""

from __future__ import annotations

import pytest

from shared.complaints import (
    CloseReason,
    ComplaintClosed,
    ComplaintReopened,
    FeedbackReceived,
    Flag,
    RejectionCode,
    ReopenTrigger,
    Status,
)
from tests.builders import (
    DEPT,
    a_complaint_in,
    accept,
    apply,
    at,
    feedback,
    progress,
    rejection,
    reopen,
    resolve,
    run,
    service,
)

pytestmark = pytest.mark.unit

S = Status


@pytest.mark.parametrize("start", [S.RESOLVED, S.REVISIT_PENDING])
def test_a_satisfied_complainant_closes_the_complaint(start: Status) -> None:
    state, events = apply(a_complaint_in(start), feedback(satisfied=True, score=5, when=at(days=2)))

    assert events == [
        FeedbackReceived(satisfied=True, score=5),
        ComplaintClosed(reason=CloseReason.SATISFIED),
    ]
    assert state.status is S.CLOSED
    assert state.close_reason is CloseReason.SATISFIED
    assert state.closed_at == at(days=2)
    assert state.feedback == FeedbackReceived(satisfied=True, score=5)


@pytest.mark.parametrize("start", [S.RESOLVED, S.REVISIT_PENDING])
def test_a_dissatisfied_complainant_sends_it_back_to_the_department_flagged(start: Status) -> None:
    before = a_complaint_in(start)
    state, events = apply(before, feedback(satisfied=False, score=2, comment="还是漏水"))

    assert events == [
        FeedbackReceived(satisfied=False, score=2, comment="还是漏水"),
        ComplaintReopened(department=DEPT, reason="还是漏水", reopen_count=1, trigger=ReopenTrigger.FEEDBACK),
    ]
    assert state.status is S.REOPENED
    assert state.department == DEPT
    assert state.flagged_reopened and Flag.REOPENED in state.flags
    assert state.reopen_count == 1
    assert state.resolved_at is None


def test_a_reopen_without_comment_still_says_why() -> None:
    _, [_, reopened] = apply(a_complaint_in(S.RESOLVED), feedback(satisfied=False, score=1))
    assert isinstance(reopened, ComplaintReopened)
    assert reopened.reason == "Complainant not satisfied (score 1)"


def test_handled_again_until_satisfied_and_the_flag_stays() -> None:
    state = a_complaint_in(S.REOPENED)
    state = run(state, accept(), progress(), resolve(), feedback(satisfied=False))
    assert state.status is S.REOPENED and state.reopen_count == 2

    state = run(state, resolve(), feedback(satisfied=True))
    assert state.status is S.CLOSED
    assert state.reopen_count == 2
    assert state.flagged_reopened


def test_a_complainant_who_accepts_the_solution_without_satisfaction_closes_it_acknowledged() -> None:
    state, events = apply(a_complaint_in(S.RESOLVED), feedback(satisfied=False, score=3, acknowledged=True))

    assert events == [
        FeedbackReceived(satisfied=False, score=3, acknowledged=True),
        ComplaintClosed(reason=CloseReason.ACKNOWLEDGED),
    ]
    assert state.status is S.CLOSED and state.close_reason is CloseReason.ACKNOWLEDGED
    assert not state.flagged_reopened


def test_acknowledged_is_only_recorded_for_a_dissatisfied_complainant() -> None:
    _, [given, _] = apply(a_complaint_in(S.RESOLVED), feedback(satisfied=True, acknowledged=True))
    assert given == FeedbackReceived(satisfied=True, score=5, acknowledged=False)


@pytest.mark.parametrize("score", [1, 5])
def test_scores_from_1_to_5_are_taken(score: int) -> None:
    state, _ = apply(a_complaint_in(S.RESOLVED), feedback(satisfied=True, score=score))
    assert state.feedback is not None and state.feedback.score == score


def test_the_feedback_service_may_record_the_answer_of_a_revisit() -> None:
    state, _ = apply(a_complaint_in(S.REVISIT_PENDING), feedback(by=service("feedback")))
    assert state.status is S.CLOSED


def test_feedback_after_closing_is_refused_and_only_a_supervisor_reopens() -> None:
    closed = a_complaint_in(S.CLOSED)

    _, events = apply(closed, feedback(satisfied=False))
    assert rejection(events).reason_code == RejectionCode.ALREADY_CLOSED

    state, _ = apply(closed, reopen())
    assert state.status is S.REOPENED and state.reopen_count == 1


def test_feedback_on_an_open_complaint_is_refused() -> None:
    _, events = apply(a_complaint_in(S.IN_PROGRESS), feedback())
    refused = rejection(events)
    assert refused.reason_code == RejectionCode.FEEDBACK_ON_OPEN_COMPLAINT
    assert "in progress" in refused.reason and "处理中" in refused.reason_zh
