"""Waiting on the complainant (hold/resume) and SLA extensions: the complaint's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.complaints import (
    ComplaintPutOnHold,
    ComplaintResumed,
    Flag,
    RejectionCode,
    SlaExtensionApproved,
    SlaExtensionDeclined,
    SlaExtensionRequested,
    SlaStage,
    Status,
)
from shared.durations import IsoDuration
from tests.builders import (
    OTHER_DEPT,
    T0,
    a_complaint_in,
    agent,
    apply,
    approve_extension,
    decline_extension,
    hold,
    rejection,
    request_extension,
    resolve,
    resume,
    run,
)

pytestmark = pytest.mark.unit


def test_the_department_puts_an_accepted_complaint_on_hold_and_resumes_it() -> None:
    state, events = apply(a_complaint_in(Status.IN_PROGRESS), hold(when=T0))
    assert isinstance(events[0], ComplaintPutOnHold)
    assert state.on_hold and state.on_hold_since == T0 and Flag.ON_HOLD in state.flags
    assert state.status is Status.IN_PROGRESS  # a flag, not a status
    later = T0 + timedelta(hours=3)
    state, events = apply(state, resume(when=later))
    assert events == [
        ComplaintResumed(department=state.department or "", on_hold_since=T0, note="照片已收到")
    ]
    assert not state.on_hold and Flag.ON_HOLD not in state.flags


@pytest.mark.parametrize(
    ("status", "code"),
    [(Status.ASSIGNED, RejectionCode.NOT_ACCEPTED), (Status.RESOLVED, RejectionCode.WRONG_STATE)],
)
def test_only_a_complaint_being_worked_can_be_put_on_hold(status: Status, code: RejectionCode) -> None:
    _, events = apply(a_complaint_in(status), hold())
    assert rejection(events).reason_code == code


def test_hold_twice_resume_without_hold_and_other_departments_are_refused() -> None:
    held = run(a_complaint_in(Status.ACCEPTED), hold())
    assert rejection(apply(held, hold())[1]).reason_code == RejectionCode.ALREADY_ON_HOLD
    assert (
        rejection(apply(a_complaint_in(Status.ACCEPTED), resume())[1]).reason_code
        == RejectionCode.NOT_ON_HOLD
    )
    other = hold(by=agent(OTHER_DEPT))
    assert rejection(apply(a_complaint_in(Status.ACCEPTED), other)[1]).reason_code == RejectionCode.NOT_OWNER


def test_a_resolution_ends_the_hold() -> None:
    held = run(a_complaint_in(Status.IN_PROGRESS), hold())
    assert not run(held, resolve()).on_hold


def test_an_extension_in_time_with_consent_waits_for_the_supervisor() -> None:
    state, events = apply(a_complaint_in(Status.IN_PROGRESS), request_extension())
    [requested] = events
    assert isinstance(requested, SlaExtensionRequested)
    assert (requested.stage, requested.extension, requested.consent_via) == (
        SlaStage.RESOLUTION,
        IsoDuration(days=2),
        "phone",
    )
    assert state.pending_extensions == (requested,)
    assert rejection(apply(state, request_extension())[1]).reason_code == RejectionCode.EXTENSION_PENDING

    approved_state, approved = apply(state, approve_extension())
    assert approved == [SlaExtensionApproved(stage=SlaStage.RESOLUTION, extension=IsoDuration(days=2))]
    assert approved_state.pending_extensions == ()
    _, declined = apply(state, decline_extension())
    assert isinstance(declined[0], SlaExtensionDeclined)


def test_an_extension_less_than_one_working_day_before_the_deadline_is_refused() -> None:
    late = request_extension(deadline=T0 + timedelta(hours=20), notice_until=T0 + timedelta(hours=24))
    refused = rejection(apply(a_complaint_in(Status.IN_PROGRESS), late)[1])
    assert refused.reason_code == RejectionCode.EXTENSION_TOO_LATE
    assert "one working day" in refused.reason and "工作日" in refused.reason_zh


def test_consent_after_the_request_is_refused() -> None:
    command = request_extension(consent_at=T0 + timedelta(hours=1))
    refused = rejection(apply(a_complaint_in(Status.IN_PROGRESS), command)[1])
    assert refused.reason_code == RejectionCode.CONSENT_IN_FUTURE


def test_only_supervisors_decide_and_only_on_a_pending_request() -> None:
    state = a_complaint_in(Status.IN_PROGRESS)
    assert rejection(apply(state, approve_extension())[1]).reason_code == RejectionCode.NO_EXTENSION_PENDING
    pending = run(state, request_extension())
    by_agent = approve_extension(by=agent())
    assert rejection(apply(pending, by_agent)[1]).reason_code == RejectionCode.NOT_PERMITTED
