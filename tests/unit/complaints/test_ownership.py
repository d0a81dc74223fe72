"""One owning department at a time: an agent acts only for the department that owns the complaint."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.complaints import (
    CommandRejected,
    ComplaintState,
    RejectionCode,
    Status,
)
from shared.complaints.commands import Command
from tests.builders import (
    DEPT,
    OTHER_DEPT,
    a_complaint_in,
    accept,
    acknowledge,
    admin,
    agent,
    apply,
    escalate,
    feedback,
    not_a_complaint,
    progress,
    rejection,
    resolve,
    schedule_revisit,
    supervisor,
    transfer,
)

pytestmark = pytest.mark.unit

S = Status

OWNER_ONLY_CASES = [
    pytest.param(S.ASSIGNED, accept, id="accept"),
    pytest.param(S.TRANSFERRED, accept, id="accept-transferred"),
    pytest.param(S.REOPENED, accept, id="accept-reopened"),
    pytest.param(S.ACCEPTED, progress, id="progress"),
    pytest.param(S.IN_PROGRESS, resolve, id="resolve"),
    pytest.param(S.IN_PROGRESS, lambda **kw: transfer(to="finance", **kw), id="transfer"),
    pytest.param(S.IN_PROGRESS, escalate, id="escalate"),
    pytest.param(S.ASSIGNED, not_a_complaint, id="not-a-complaint"),
]


@pytest.mark.parametrize(("status", "build"), OWNER_ONLY_CASES)
def test_an_agent_of_the_owning_department_may_act(status: Status, build: Callable[..., Command]) -> None:
    _, events = apply(a_complaint_in(status), build(by=agent(DEPT)))
    assert not any(isinstance(e, CommandRejected) for e in events)


@pytest.mark.parametrize(("status", "build"), OWNER_ONLY_CASES)
@pytest.mark.parametrize("department", [OTHER_DEPT, None], ids=["other-department", "no-department"])
def test_an_agent_of_another_department_is_refused(
    status: Status, build: Callable[..., Command], department: str | None
) -> None:
    before = a_complaint_in(status)
    after, events = apply(before, build(by=agent(department)))

    refused = rejection(events)
    assert refused.reason_code == RejectionCode.NOT_OWNER
    assert "Quality" in refused.reason and "质量部" in refused.reason_zh
    assert after.department == before.department == DEPT


@pytest.mark.parametrize(("status", "build"), OWNER_ONLY_CASES)
@pytest.mark.parametrize("staff", [supervisor, admin])
def test_supervisors_and_admins_act_on_any_complaint(
    status: Status, build: Callable[..., Command], staff: Callable[[], object]
) -> None:
    _, events = apply(a_complaint_in(status), build(by=staff()))
    assert not any(isinstance(e, CommandRejected) for e in events)


def test_after_a_transfer_only_the_new_department_may_act() -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), transfer(to=OTHER_DEPT))

    _, old = apply(state, accept(by=agent(DEPT)))
    assert rejection(old).reason_code == RejectionCode.NOT_OWNER

    state, _ = apply(state, accept(by=agent(OTHER_DEPT)))
    state, _ = apply(state, resolve(by=agent(OTHER_DEPT)))
    assert state.status is S.RESOLVED and state.department == OTHER_DEPT


def test_the_state_rule_is_told_before_ownership() -> None:
    _, events = apply(a_complaint_in(S.RECEIVED), resolve(by=agent(OTHER_DEPT)))
    assert rejection(events).reason_code == RejectionCode.NOT_ASSIGNED


def test_any_agent_may_close_an_unassigned_complaint_as_not_a_complaint() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), not_a_complaint(by=agent("customer_service")))
    assert state.status is S.CLOSED_NOT_COMPLAINT


def test_any_agent_may_escalate_an_unassigned_complaint_at_once() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), escalate(by=agent("customer_service"), level=3))
    assert state.escalation_level == 3 and state.status is S.RECEIVED


@pytest.mark.parametrize(
    ("status", "build"),
    [
        pytest.param(S.RECEIVED, acknowledge, id="acknowledge"),
        pytest.param(S.RESOLVED, schedule_revisit, id="schedule-revisit"),
        pytest.param(S.REVISIT_PENDING, feedback, id="record-feedback"),
    ],
)
def test_customer_service_agents_acknowledge_revisit_and_record_feedback_for_any_department(
    status: Status, build: Callable[..., Command]
) -> None:
    _, events = apply(a_complaint_in(status), build(by=agent("customer_service")))
    assert not any(isinstance(e, CommandRejected) for e in events)


@pytest.mark.parametrize("status", [s for s in Status])
def test_there_is_one_owner_once_assigned(status: Status) -> None:
    state: ComplaintState = a_complaint_in(status)
    if status in (S.RECEIVED, S.WITHDRAWN, S.CLOSED_NOT_COMPLAINT, S.MERGED) or status in (
        S.AWAITING_CORRECTION,
        S.CORRECTION_LAPSED,
    ):
        assert state.department is None
    else:
        assert state.department == DEPT
