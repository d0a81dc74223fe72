"""Folding a stream: versions count events, rejections change nothing else, stored events replay."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import ClassVar
from uuid import uuid4

import pytest

from shared.complaints import (
    CommandRejected,
    ComplaintAssigned,
    ComplaintResolved,
    ComplaintState,
    Status,
    StreamOutOfOrder,
    UnexpectedEvent,
    decide,
    evolve,
    fold,
    fold_recorded,
)
from shared.events import Actor, Event, RecordedEvent
from tests.builders import (
    COMPLAINT_NO,
    T0,
    a_complaint_in,
    at,
    path_to,
    received,
    service,
)

pytestmark = pytest.mark.unit


def test_a_new_stream_has_no_complaint() -> None:
    state = ComplaintState.initial()
    assert state.version == 0
    assert state.status is None
    assert not state.exists and not state.is_open and not state.is_final
    assert state.flags == ()


def test_version_counts_every_event_folded() -> None:
    events = [received(), ComplaintAssigned(department="quality", rule="r")]
    state = fold(events)
    assert state.version == 2
    assert state.status is Status.ASSIGNED


def test_a_rejection_changes_only_the_version() -> None:
    before = a_complaint_in(Status.IN_PROGRESS)
    rejected = CommandRejected(command="X", reason_code="wrong_state", reason="no", reason_zh="不行")
    assert evolve(before, rejected) == replace(before, version=before.version + 1)


def test_timed_events_set_the_timestamps() -> None:
    state = fold([(received(), T0), ComplaintAssigned(department="quality", rule="r")])
    state = fold([(ComplaintResolved(department="quality", resolution="done"), at(days=1))], state)
    assert state.resolved_at == at(days=1)
    assert state.version == 3


def test_folding_from_a_snapshot_equals_folding_from_the_start() -> None:
    events: list[Event] = []
    state = ComplaintState.initial()
    for command in path_to(Status.CLOSED):
        decided = decide(state, command)
        events.extend(decided)
        state = fold(decided, state)
    assert fold(events) == state
    assert fold(events[3:], fold(events[:3])) == state


class NotAComplaintEvent(Event):
    event_type: ClassVar[str] = "SomethingElse"


def test_an_event_of_another_stream_is_an_error() -> None:
    with pytest.raises(UnexpectedEvent):
        evolve(ComplaintState.initial(), NotAComplaintEvent())


def _recorded(version: int, event: Event, occurred_at: datetime, actor: Actor | None = None) -> RecordedEvent:
    return RecordedEvent(
        event_id=uuid4(),
        stream_id=COMPLAINT_NO,
        stream_version=version,
        global_position=version,
        tx_id=1,
        type=event.event_type,
        schema_version=event.schema_version,
        occurred_at=occurred_at,
        recorded_at=occurred_at,
        actor=actor or service("test"),
        correlation_id=uuid4(),
        payload=event.model_dump(mode="json"),
        hash="00",
    )


def test_stored_events_replay_with_their_times() -> None:
    records = [
        _recorded(1, received(), T0),
        _recorded(2, ComplaintAssigned(department="quality", rule="r"), at(10)),
        _recorded(3, ComplaintResolved(department="quality", resolution="done"), at(days=2)),
    ]
    state = fold_recorded(records)
    assert state.version == 3
    assert state.status is Status.RESOLVED
    assert state.resolved_at == at(days=2)
    assert fold_recorded(records[2:], fold_recorded(records[:2])) == state


def test_a_gap_in_stored_versions_is_an_error() -> None:
    records = [_recorded(1, received(), T0), _recorded(3, ComplaintAssigned(department="q", rule="r"), T0)]
    with pytest.raises(StreamOutOfOrder, match="expected version 2"):
        fold_recorded(records)


def test_the_next_draft_copies_every_field_and_freezes_into_a_state() -> None:
    """``_next_draft`` is generated from the fields: a state with no field at its
    default comes back field for field (the very same objects), one version on, and the draft
    becomes a real, frozen, slotted ComplaintState."""
    from dataclasses import FrozenInstanceError, fields

    from shared.complaints.state import _freeze, _next_draft

    state = ComplaintState.initial()
    for field in fields(ComplaintState):
        if getattr(state, field.name) == field.default:
            state = replace(state, **{field.name: object() if field.name != "version" else 7})
    copy = _freeze(_next_draft(state))
    assert copy is not state and copy.version == state.version + 1
    for field in fields(ComplaintState):
        if field.name != "version":
            assert getattr(copy, field.name) is getattr(state, field.name), field.name
    assert type(copy) is ComplaintState and not hasattr(copy, "__dict__")
    with pytest.raises(FrozenInstanceError):
        copy.status = Status.CLOSED  # type: ignore[misc]
    assert copy == replace(state, version=state.version + 1)
    initial = ComplaintState.initial()
    assert hash(_freeze(_next_draft(initial))) == hash(replace(initial, version=1))
