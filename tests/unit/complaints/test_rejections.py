"""Every refusal, with its stable reason code; a refused command changes nothing but the version."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from shared.complaints import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    CommandRejected,
    ComplaintState,
    RejectionCode,
    Status,
    label,
)
from shared.complaints.commands import Command
from shared.events import Role
from tests.builders import (
    COMPLAINT_NO,
    DEPT,
    a_complaint_in,
    a_new_complaint,
    accept,
    acknowledge,
    admin,
    agent,
    an_actor,
    apply,
    assign,
    escalate,
    feedback,
    lapse_correction,
    link_duplicate,
    merge,
    not_a_complaint,
    progress,
    receive,
    rejection,
    reopen,
    resolve,
    schedule_revisit,
    sla_breach,
    sla_warning,
    supervisor,
    transfer,
    withdraw,
)

pytestmark = pytest.mark.unit

S = Status
C = RejectionCode
OPEN = sorted(OPEN_STATUSES - {Status.AWAITING_CORRECTION})
"""Open statuses of a received complaint (one awaiting correction is not received yet)."""
FINAL = sorted(FINAL_STATUSES)

BUILDERS: dict[str, Callable[..., Command]] = {
    "receive": receive,
    "acknowledge": acknowledge,
    "assign": assign,
    "accept": accept,
    "progress": progress,
    "resolve": resolve,
    "transfer": transfer,
    "escalate": escalate,
    "schedule_revisit": schedule_revisit,
    "feedback": feedback,
    "reopen": reopen,
    "withdraw": withdraw,
    "not_a_complaint": not_a_complaint,
    "sla_warning": sla_warning,
    "sla_breach": sla_breach,
    "link_duplicate": link_duplicate,
    "merge": merge,
    "lapse": lapse_correction,
}
EXCEPT_RECEIVE = {name: build for name, build in BUILDERS.items() if name not in ("receive", "lapse")}


def _case(
    start: Status | None, name: str, code: RejectionCode, build: Callable[[], Command] | None = None
) -> Any:
    return pytest.param(start, build or BUILDERS[name], code, id=f"{start or 'new'}-{name}-{code}")


def _scoring(score: int) -> Callable[[], Command]:
    return lambda: feedback(score=score)


REJECTIONS = [
    *[_case(None, name, C.UNKNOWN_COMPLAINT) for name in EXCEPT_RECEIVE],
    *[_case(s, "receive", C.ALREADY_RECEIVED) for s in Status if s is not S.AWAITING_CORRECTION],
    *[_case(S.AWAITING_CORRECTION, name, C.AWAITING_CORRECTION) for name in EXCEPT_RECEIVE],
    _case(S.RECEIVED, "merge", C.MERGE_INTO_SELF, lambda: merge(into=COMPLAINT_NO)),
    _case(S.RECEIVED, "merge", C.MERGE_TARGET_UNKNOWN, lambda: merge(into_status=None)),
    *[
        _case(S.ASSIGNED, "merge", C.MERGE_TARGET_FINAL, lambda s=s: merge(into_status=s))  # type: ignore[misc]
        for s in FINAL
    ],
    *[_case(s, "merge", C.WRONG_STATE) for s in (S.RESOLVED, S.REVISIT_PENDING)],
    *[_case(s, "lapse", C.WRONG_STATE) for s in OPEN],
    *[
        _case(s, name, C.ALREADY_CLOSED)
        for s in FINAL
        for name in EXCEPT_RECEIVE
        if not (s is S.CLOSED and name == "reopen")
    ],
    *[_case(S.RECEIVED, name, C.NOT_ASSIGNED) for name in ("accept", "progress", "resolve", "transfer")],
    *[
        _case(s, name, C.NOT_ACCEPTED)
        for s in (S.ASSIGNED, S.TRANSFERRED)
        for name in ("progress", "resolve")
    ],
    *[_case(s, "assign", C.WRONG_STATE) for s in OPEN if s is not S.RECEIVED],
    *[_case(s, "accept", C.WRONG_STATE) for s in (S.ACCEPTED, S.IN_PROGRESS, S.RESOLVED, S.REVISIT_PENDING)],
    *[
        _case(s, name, C.WRONG_STATE)
        for s in (S.RESOLVED, S.REVISIT_PENDING)
        for name in ("progress", "resolve", "transfer")
    ],
    *[_case(s, "schedule_revisit", C.WRONG_STATE) for s in OPEN if s is not S.RESOLVED],
    *[_case(s, "reopen", C.WRONG_STATE) for s in OPEN],
    *[
        _case(s, "not_a_complaint", C.WRONG_STATE)
        for s in (S.IN_PROGRESS, S.RESOLVED, S.REVISIT_PENDING, S.REOPENED, S.TRANSFERRED)
    ],
    *[
        _case(s, "feedback", C.FEEDBACK_ON_OPEN_COMPLAINT)
        for s in OPEN
        if s not in (S.RESOLVED, S.REVISIT_PENDING)
    ],
    *[
        _case(s, "transfer", C.SAME_DEPARTMENT, lambda: transfer(to=DEPT))
        for s in (S.ASSIGNED, S.ACCEPTED, S.IN_PROGRESS, S.REOPENED, S.TRANSFERRED)
    ],
    *[
        _case(s, "feedback", C.INVALID_SCORE, _scoring(score))
        for s in (S.RESOLVED, S.REVISIT_PENDING)
        for score in (0, 6, -1, 100)
    ],
]


def _start(status: Status | None) -> ComplaintState:
    return a_new_complaint() if status is None else a_complaint_in(status)


def _assert_refused(before: ComplaintState, command: Command, code: RejectionCode) -> CommandRejected:
    after, events = apply(before, command)
    refused = rejection(events)
    assert refused.reason_code == code
    assert refused.command == command.name()
    assert refused.reason and refused.reason_zh
    assert re.search(r"[\u4e00-\u9fff]", refused.reason_zh), "the Chinese reason is in Chinese"
    assert "{" not in refused.reason and "{" not in refused.reason_zh, "every placeholder filled in"
    assert after == replace(before, version=before.version + 1)
    return refused


@pytest.mark.parametrize(("start", "command", "code"), REJECTIONS)
def test_refused(start: Status | None, command: Callable[[], Command], code: RejectionCode) -> None:
    _assert_refused(_start(start), command(), code)


def test_resolve_before_assignment_says_why() -> None:
    refused = _assert_refused(a_complaint_in(S.RECEIVED), resolve(), C.NOT_ASSIGNED)
    assert refused.reason == "Cannot resolve a complaint before it is assigned to a department."
    assert refused.reason_zh == "投诉尚未派单到责任部门，不能答复。"


# A person's command whose effect is already there is refused and recorded; a service's is not
# (tests/unit/complaints/test_already_done.py).


def test_a_second_acknowledgement_is_refused() -> None:
    state, _ = apply(a_complaint_in(S.RECEIVED), acknowledge())
    _assert_refused(state, acknowledge(by=agent()), C.ALREADY_ACKNOWLEDGED)


@pytest.mark.parametrize("level", [1, None])
def test_escalating_to_a_level_not_higher_is_refused(level: int | None) -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), escalate(level=2))
    refused = _assert_refused(state, escalate(level=level or 2, by=supervisor()), C.ALREADY_ESCALATED)
    assert "level 2" in refused.reason


def test_the_same_sla_warning_is_recorded_once() -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), sla_warning())
    _assert_refused(state, sla_warning(by=admin()), C.ALREADY_RECORDED)
    state, _ = apply(state, sla_warning(fraction=0.9))
    assert len(state.sla_warnings) == 2


def test_the_same_sla_breach_is_recorded_once() -> None:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), sla_breach())
    _assert_refused(state, sla_breach(by=admin()), C.ALREADY_RECORDED)


ROLES_REFUSED: dict[str, set[Role]] = {
    "receive": {Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "acknowledge": {Role.CHANNEL, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "assign": {Role.CHANNEL, Role.AGENT, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "accept": {Role.CHANNEL, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "progress": {Role.CHANNEL, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "resolve": {Role.CHANNEL, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "transfer": {Role.CHANNEL, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "escalate": {Role.CHANNEL, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "schedule_revisit": {Role.CHANNEL, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "feedback": {Role.CHANNEL, Role.AUDITOR, Role.OPERATOR},
    "reopen": {Role.CHANNEL, Role.AGENT, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "withdraw": {Role.CHANNEL, Role.AGENT, Role.AUDITOR, Role.OPERATOR},
    "not_a_complaint": {Role.CHANNEL, Role.SERVICE, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "sla_warning": {Role.CHANNEL, Role.AGENT, Role.SUPERVISOR, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "sla_breach": {Role.CHANNEL, Role.AGENT, Role.SUPERVISOR, Role.COMPLAINANT, Role.AUDITOR, Role.OPERATOR},
    "link_duplicate": {
        Role.CHANNEL,
        Role.AGENT,
        Role.SUPERVISOR,
        Role.COMPLAINANT,
        Role.AUDITOR,
        Role.OPERATOR,
    },
    "merge": {
        Role.CHANNEL,
        Role.AGENT,
        Role.SERVICE,
        Role.ADMIN,
        Role.COMPLAINANT,
        Role.AUDITOR,
        Role.OPERATOR,
    },
}
"""Roles that may not issue each command at all, whatever the complaint's state."""


@pytest.mark.parametrize(
    ("name", "role"),
    [
        pytest.param(name, role, id=f"{role}-{name}")
        for name, roles in ROLES_REFUSED.items()
        for role in sorted(roles)
    ],
)
@pytest.mark.parametrize("start", [None, S.RECEIVED, S.IN_PROGRESS, S.CLOSED], ids=str)
def test_a_role_without_the_right_is_refused_first(name: str, role: Role, start: Status | None) -> None:
    command = BUILDERS[name](by=an_actor(role, department=DEPT))
    refused = _assert_refused(_start(start), command, C.NOT_PERMITTED)
    assert refused.reason.startswith(f"The role {label(role, 'en').lower()} may not")
    assert label(role, "zh-CN") in refused.reason_zh


def test_auditors_and_operators_issue_nothing() -> None:
    for name, roles in ROLES_REFUSED.items():
        assert {Role.AUDITOR, Role.OPERATOR} <= roles, name
