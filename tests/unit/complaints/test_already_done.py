"""A service's command whose effect is already there is no refused command: ``decide`` returns no
event (nothing is appended, the audit trail stays clean). A person's is still refused, and a
service's command refused for any other reason is still recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shared.complaints import CommandRejected, ComplaintState, RejectionCode, Status, decide
from shared.complaints.commands import Command
from shared.complaints.decide import ALREADY_DONE, already_done
from shared.events import Actor
from tests.builders import (
    a_complaint_in,
    acknowledge,
    admin,
    agent,
    apply,
    escalate,
    service,
    sla_breach,
    sla_warning,
    supervisor,
)

pytestmark = pytest.mark.unit

S = Status
C = RejectionCode


def _acknowledged() -> ComplaintState:
    state, _ = apply(a_complaint_in(S.RECEIVED), acknowledge(by=service("sla")))
    return state


def _warned() -> ComplaintState:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), sla_warning())
    return state


def _breached() -> ComplaintState:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), sla_breach())
    return state


def _escalated() -> ComplaintState:
    state, _ = apply(a_complaint_in(S.IN_PROGRESS), escalate(level=2))
    return state


DONE: list[tuple[str, Callable[[], ComplaintState], Callable[[Actor], Command], Actor, RejectionCode]] = [
    ("acknowledged", _acknowledged, lambda by: acknowledge(by=by), agent(), C.ALREADY_ACKNOWLEDGED),
    ("warned", _warned, lambda by: sla_warning(by=by), admin(), C.ALREADY_RECORDED),
    ("breached", _breached, lambda by: sla_breach(by=by), admin(), C.ALREADY_RECORDED),
    ("escalated", _escalated, lambda by: escalate(level=2, by=by), supervisor(), C.ALREADY_ESCALATED),
]
IDS = {"ids": [case[0] for case in DONE]}


@pytest.mark.parametrize(("name", "start", "command", "person", "code"), DONE, **IDS)
def test_a_services_command_already_done_decides_nothing(
    name: str,
    start: Callable[[], ComplaintState],
    command: Callable[[Actor], Command],
    person: Actor,
    code: RejectionCode,
) -> None:
    state = start()
    assert decide(state, command(service("intake"))) == []
    assert already_done(command(service("intake")), code)


@pytest.mark.parametrize(("name", "start", "command", "person", "code"), DONE, **IDS)
def test_a_persons_command_already_done_is_still_refused(
    name: str,
    start: Callable[[], ComplaintState],
    command: Callable[[Actor], Command],
    person: Actor,
    code: RejectionCode,
) -> None:
    [refused] = decide(start(), command(person))
    assert isinstance(refused, CommandRejected) and refused.reason_code == code


def test_intake_acknowledging_after_the_sla_service_decides_nothing() -> None:
    """The race of two acknowledgers: the SLA service acknowledged out of hours, then intake's consumer."""
    state = _acknowledged()
    after, events = apply(state, acknowledge(by=service("intake")))
    assert events == [] and after == state  # not even the version moves


def test_a_services_command_refused_for_another_reason_is_still_recorded() -> None:
    closed = a_complaint_in(S.CLOSED)
    [refused] = decide(closed, acknowledge(by=service("intake")))
    assert isinstance(refused, CommandRejected) and refused.reason_code == C.ALREADY_CLOSED
    assert C.ALREADY_CLOSED not in ALREADY_DONE
