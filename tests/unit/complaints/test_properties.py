"""Folding any sequence of commands keeps the aggregate's invariants.

Commands come from random actors (every role, agents of random departments), with random
arguments, in random order; most are refused, and that is the point: a refusal must never
change anything but the version.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note_event
from hypothesis import strategies as st

from shared.complaints import (
    FINAL_STATUSES,
    CommandRejected,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintState,
    ReceiveComplaint,
    RejectionCode,
    SlaStage,
    Status,
    decide,
    evolve,
    fold,
)
from shared.complaints.commands import Command
from shared.events import Actor, Event, Role
from tests.builders import (
    accept,
    acknowledge,
    agent,
    an_actor,
    assign,
    at,
    channel,
    complainant,
    escalate,
    feedback,
    not_a_complaint,
    progress,
    receive,
    reopen,
    resolve,
    schedule_revisit,
    service,
    sla_breach,
    sla_warning,
    supervisor,
    transfer,
    withdraw,
)

pytestmark = pytest.mark.unit

DEPARTMENTS = ["quality", "after_sales", "logistics"]
OWNED = {
    Status.ASSIGNED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.RESOLVED,
    Status.REVISIT_PENDING,
    Status.CLOSED,
    Status.REOPENED,
    Status.TRANSFERRED,
}
"""Statuses that exist only after an assignment: the complaint has its one owner in them."""

departments = st.sampled_from(DEPARTMENTS)
agents = st.builds(agent, st.one_of(departments, st.none()))
actors: st.SearchStrategy[Actor] = st.one_of(
    agents,
    agents,
    st.just(supervisor()),
    st.just(service("sla")),
    st.just(complainant()),
    st.builds(an_actor, st.sampled_from(list(Role)), st.one_of(departments, st.none())),
)
deadlines = st.sampled_from([at(hours=4), at(days=3)])


by = actors
any_command: st.SearchStrategy[Command] = st.one_of(
    st.builds(
        lambda a, anonymous: receive(by=a, anonymous=anonymous),
        st.one_of(st.just(channel()), by),
        st.booleans(),
    ),
    st.builds(acknowledge, by=by),
    st.builds(assign, departments, by=st.one_of(st.just(service()), by)),
    st.builds(accept, by=by),
    st.builds(progress, by=by),
    st.builds(resolve, by=by),
    st.builds(transfer, departments, by=by),
    st.builds(escalate, by=by, level=st.one_of(st.none(), st.integers(1, 4))),
    st.builds(schedule_revisit, by=by),
    st.builds(feedback, st.booleans(), st.integers(-1, 7), by=by, acknowledged=st.booleans()),
    st.builds(reopen, by=by, department=st.one_of(st.none(), departments)),
    st.builds(withdraw, by=by),
    st.builds(not_a_complaint, by=by),
    st.builds(
        sla_warning,
        st.sampled_from(list(SlaStage)),
        by=by,
        deadline=deadlines,
        fraction=st.sampled_from([0.5, 0.8]),
    ),
    st.builds(sla_breach, st.sampled_from(list(SlaStage)), by=by, deadline=deadlines),
)
"""Any command, by any actor (its time is set by the sequence)."""


def _at(command: Command, when: datetime) -> Command:
    return command.model_copy(update={"at": when})


@st.composite
def command_sequences(draw: st.DrawFn, max_size: int = 40) -> list[Command]:
    """Commands a minute apart, mostly starting with a complaint that exists."""
    drawn = draw(st.lists(any_command, max_size=max_size))
    if draw(st.integers(0, 9)) > 0:
        drawn.insert(0, receive(by=channel()))
    return [_at(command, at(minutes=i)) for i, command in enumerate(drawn)]


def sensible_next(state: ComplaintState) -> list[Command]:
    """Commands that move a complaint in ``state`` along, issued by someone entitled to."""
    owner = agent(state.department)
    others = [d for d in DEPARTMENTS if d != state.department]
    S = Status
    match state.status:
        case None:
            return [receive(by=channel()), receive(by=channel(), anonymous=True)]
        case S.RECEIVED:
            return [*(assign(d) for d in DEPARTMENTS), acknowledge(), escalate(), withdraw()]
        case S.ASSIGNED | S.TRANSFERRED:
            return [accept(by=owner), accept(by=owner), transfer(others[0], by=owner), sla_warning()]
        case S.ACCEPTED | S.IN_PROGRESS | S.REOPENED:
            return [progress(by=owner), resolve(by=owner), resolve(by=owner), sla_breach(), escalate()]
        case S.RESOLVED | S.REVISIT_PENDING:
            return [
                schedule_revisit(),
                feedback(True),
                feedback(False),
                feedback(False, 3, acknowledged=True),
            ]
        case S.CLOSED:
            return [reopen(), reopen(department=others[0])]
        case _:
            return []


@st.composite
def guided_sequences(draw: st.DrawFn, max_size: int = 40) -> list[Command]:
    """Commands that mostly move the complaint along, with random ones mixed in.

    Random commands alone rarely get past assignment; these reach every status.
    """
    state = ComplaintState.initial()
    commands: list[Command] = []
    for i in range(draw(st.integers(0, max_size))):
        candidates = sensible_next(state)
        if candidates and draw(st.integers(0, 3)) > 0:
            command = draw(st.sampled_from(candidates))
        else:
            command = draw(any_command)
        command = _at(command, at(minutes=i))
        commands.append(command)
        state = fold(decide(state, command), state)
    return commands


def _check_step(before: ComplaintState, event: Event, after: ComplaintState) -> None:
    assert after.version == before.version + 1, "versions are contiguous"
    if before.is_final:
        assert isinstance(event, CommandRejected | ComplaintReopened), "nothing but a reopen after final"
    if before.status in FINAL_STATUSES and after.status != before.status:
        assert isinstance(event, ComplaintReopened) and before.status is Status.CLOSED
    if before.department is not None:
        assert isinstance(after.department, str), "never without an owner once assigned"
    if after.status in OWNED:
        assert isinstance(after.department, str) and after.department
    assert after.escalation_level >= before.escalation_level
    assert after.reopen_count >= before.reopen_count


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(command_sequences(), guided_sequences()))
def test_folding_any_command_sequence_keeps_the_invariants(commands: list[Command]) -> None:
    state = ComplaintState.initial()
    history: list[tuple[Event, datetime]] = []

    for command in commands:
        before = state
        events = decide(state, command)

        if not events:  # already done: only a service's command, and only for these reasons
            assert command.actor.role is Role.SERVICE, "every person's command leaves a trace"
            assert not isinstance(command, ReceiveComplaint)
            continue
        refused = [e for e in events if isinstance(e, CommandRejected)]
        if refused:
            assert len(events) == 1, "a refusal is the only event"
            assert refused[0].reason_code in set(RejectionCode)
            assert refused[0].reason and refused[0].reason_zh

        for event in events:
            previous = state
            state = evolve(state, event, command.at)
            history.append((event, command.at))
            _check_step(previous, event, state)

        if refused:
            assert state == replace(before, version=before.version + 1), "a refusal changes nothing"

    for name in {type(e).__name__ for e, _ in history}:
        note_event(f"decided {name}")
    assert state.version == len(history)
    assert fold(history) == state, "replaying the stream gives the same state"
    assert state.reopen_count == sum(isinstance(e, ComplaintReopened) for e, _ in history)
    assert (state.status is None) == (not any(isinstance(e, ComplaintReceived) for e, _ in history))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(FINAL_STATUSES)), st.data())
def test_a_final_complaint_only_moves_by_a_reopen(status: Status, data: st.DataObject) -> None:
    from tests.builders import a_complaint_in

    state = a_complaint_in(status)
    command = _at(data.draw(any_command), at(days=30))
    events = decide(state, command)

    if status is Status.CLOSED and not isinstance(events[0], CommandRejected):
        assert [type(e) for e in events] == [ComplaintReopened]
    else:
        assert isinstance(events[0], CommandRejected) and len(events) == 1


def _values(state: ComplaintState) -> list[object]:
    return [getattr(state, f.name) for f in fields(ComplaintState)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(command_sequences(), guided_sequences()))
def test_evolve_never_changes_the_state_it_is_given(commands: list[Command]) -> None:
    """evolve fills in a fresh copy: the state passed in, possibly shared, stays as it was."""
    state = ComplaintState.initial()
    for command in commands:
        for event in decide(state, command):
            before = _values(state)
            after = evolve(state, event, command.at)
            assert after is not state
            assert all(a is b for a, b in zip(before, _values(state), strict=True))
            state = after
    assert ComplaintState.initial() == ComplaintState() and ComplaintState.initial().version == 0
