"""The aggregate's registries are whole: every event evolves the state (or says it changes
nothing), every command is decided and may be issued by somebody, and a stored event of an old
schema is still upcast on read."""

from __future__ import annotations

import pytest

from shared.complaints import COMPLAINT_EVENTS, ComplaintState, Status, complaint_events, fold_recorded
from shared.complaints.kernel import DECISIONS, EVOLUTIONS, Command, ComplaintEvent, leaves_unchanged
from shared.complaints.stages.closure import ComplainantDataErased
from shared.events.envelope import Event, RecordedEvent
from tests.builders import COMPLAINT_NO, T0, as_recorded_event, received

pytestmark = pytest.mark.unit


def _subclasses(base: type) -> set[type]:
    return {sub for direct in base.__subclasses__() for sub in {direct, *_subclasses(direct)}}


@pytest.mark.parametrize("event", complaint_events(), ids=lambda e: e.event_type)
def test_every_registered_event_evolves_the_state(event: type[ComplaintEvent]) -> None:
    assert event in EVOLUTIONS, f"{event.event_type} has no @evolves (or leaves_unchanged)"


def test_every_evolution_is_of_a_registered_event() -> None:
    for event in EVOLUTIONS:
        assert COMPLAINT_EVENTS.model_for(event.event_type) is event


def test_an_event_type_is_its_class_name() -> None:
    for event in complaint_events():
        assert event.event_type == event.__name__


def test_every_command_is_decided() -> None:
    declared = {kind for kind in _subclasses(Command) if kind.__module__.startswith("shared.complaints")}
    assert declared <= set(DECISIONS), declared - set(DECISIONS)


def test_somebody_may_issue_every_command() -> None:
    for command, rule in DECISIONS.items():
        assert rule.permitted, command.name()


def test_a_type_is_registered_once() -> None:
    with pytest.raises(ValueError, match="evolves twice"):
        leaves_unchanged(ComplainantDataErased)


def test_an_event_with_no_evolution_is_unexpected() -> None:
    class Unregistered(ComplaintEvent):
        pass

    from shared.complaints import UnexpectedEvent, evolve

    with pytest.raises(UnexpectedEvent):
        evolve(ComplaintState.initial(), Unregistered())


def _as_schema_1(record: RecordedEvent) -> RecordedEvent:
    payload = {k: v for k, v in record.payload.items() if k not in ("complainant_id", "personal_data")}
    payload["complainant"] = {"name": "张三", "phone": "13800000000"}
    return record.model_copy(update={"schema_version": 1, "payload": payload})


def test_a_stored_schema_1_receipt_is_upcast_on_read() -> None:
    old = _as_schema_1(as_recorded_event(received(), stream_id=COMPLAINT_NO))
    decoded: Event = COMPLAINT_EVENTS.decode(old)
    assert decoded.schema_version == 2
    assert decoded.personal_data is None and decoded.complainant_id is None  # type: ignore[attr-defined]
    state = fold_recorded([old])
    assert state.status is Status.RECEIVED and state.received_at == T0
    assert "13800000000" not in str(decoded.model_dump())
