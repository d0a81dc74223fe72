"""The registry maps event types to payload models and upcasts old payloads on read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from pydantic import ValidationError

from shared.events import Actor, Event, EventRegistry, RecordedEvent, UnknownEventType

pytestmark = pytest.mark.unit


class ComplaintNoted(Event):
    """Version 3: v1 had `note`; v2 renamed it to `text`; v3 added `channel`."""

    event_type: ClassVar[str] = "ComplaintNoted"
    schema_version: ClassVar[int] = 3
    text: str
    channel: str


class Other(Event):
    event_type: ClassVar[str] = "Other"


def recorded(type_: str, version: int, payload: dict[str, Any]) -> RecordedEvent:
    now = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    return RecordedEvent(
        event_id=uuid.uuid4(),
        stream_id="TS-1",
        stream_version=1,
        global_position=1,
        tx_id=1,
        type=type_,
        schema_version=version,
        occurred_at=now,
        recorded_at=now,
        actor=Actor.service("tests"),
        correlation_id=uuid.uuid4(),
        payload=payload,
        hash="00",
    )


@pytest.fixture
def registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register(ComplaintNoted)
    registry.register(Other)

    @registry.upcaster("ComplaintNoted", 1)
    def note_becomes_text(payload: dict[str, Any]) -> dict[str, Any]:
        payload["text"] = payload.pop("note")
        return payload

    @registry.upcaster("ComplaintNoted", 2)
    def channel_added(payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "channel": "unknown"}

    return registry


def test_register_is_a_decorator_and_lists_the_types() -> None:
    registry = EventRegistry()

    @registry.register
    class Happened(Event):
        event_type: ClassVar[str] = "Happened"

    assert Happened.event_type == "Happened"  # the class itself comes back
    registry.register_all([ComplaintNoted, Other])
    assert registry.types() == ["ComplaintNoted", "Happened", "Other"]
    assert registry.knows("Happened")
    assert not registry.knows("Unheard")
    assert registry.model_for("ComplaintNoted") is ComplaintNoted


def test_registering_the_same_model_again_is_harmless(registry: EventRegistry) -> None:
    registry.register(ComplaintNoted)
    assert registry.model_for("ComplaintNoted") is ComplaintNoted


def test_another_model_for_a_registered_type_is_refused(registry: EventRegistry) -> None:
    class Impostor(Event):
        event_type: ClassVar[str] = "ComplaintNoted"

    with pytest.raises(ValueError, match="registered twice"):
        registry.register(Impostor)
    assert registry.model_for("ComplaintNoted") is ComplaintNoted


def test_an_unknown_type_raises_unknown_event_type(registry: EventRegistry) -> None:
    with pytest.raises(UnknownEventType) as raised:
        registry.decode(recorded("SomethingUnheardOf", 2, {}))
    assert raised.value.event_type == "SomethingUnheardOf"
    assert raised.value.schema_version == 2
    assert "SomethingUnheardOf" in str(raised.value)
    with pytest.raises(LookupError):  # callers may catch it as a lookup failure
        registry.model_for("SomethingUnheardOf")


def test_the_current_version_decodes_as_it_is(registry: EventRegistry) -> None:
    event = registry.decode(recorded("ComplaintNoted", 3, {"text": "噪音", "channel": "web"}))
    assert event == ComplaintNoted(text="噪音", channel="web")


def test_version_1_is_upcast_through_every_step(registry: EventRegistry) -> None:
    stored = recorded("ComplaintNoted", 1, {"note": "噪音扰民"})
    assert registry.decode(stored) == ComplaintNoted(text="噪音扰民", channel="unknown")
    assert stored.payload == {"note": "噪音扰民"}  # the stored event is never changed


def test_version_2_is_upcast_from_where_it_is(registry: EventRegistry) -> None:
    stored = recorded("ComplaintNoted", 2, {"text": "噪音"})
    assert registry.decode(stored) == ComplaintNoted(text="噪音", channel="unknown")
    assert registry.upcast("ComplaintNoted", 2, {"text": "噪音"}) == {"text": "噪音", "channel": "unknown"}


def test_a_version_newer_than_known_is_refused(registry: EventRegistry) -> None:
    with pytest.raises(UnknownEventType) as raised:
        registry.decode(recorded("ComplaintNoted", 4, {"text": "x", "channel": "web", "extra": 1}))
    assert raised.value.schema_version == 4


def test_a_missing_upcaster_is_refused() -> None:
    registry = EventRegistry()
    registry.register(ComplaintNoted)

    @registry.upcaster("ComplaintNoted", 1)
    def step(payload: dict[str, Any]) -> dict[str, Any]:
        return {"text": payload["note"]}

    with pytest.raises(UnknownEventType) as raised:  # no way from version 2 to 3
        registry.decode(recorded("ComplaintNoted", 1, {"note": "x"}))
    assert raised.value.schema_version == 2


def test_an_upcast_payload_is_still_validated(registry: EventRegistry) -> None:
    with pytest.raises(ValidationError):
        registry.decode(recorded("ComplaintNoted", 3, {"text": "x"}))  # channel missing
    with pytest.raises(ValidationError):
        registry.decode(recorded("ComplaintNoted", 3, {"text": "x", "channel": "web", "stray": 1}))
