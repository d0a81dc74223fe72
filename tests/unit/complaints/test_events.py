"""The event and command schemas: registered, documented, and faithful on the wire."""

from __future__ import annotations

from datetime import datetime

import pytest
from pydantic import BaseModel, ValidationError

from shared.complaints import (
    ALL_COMMANDS,
    COMPLAINT_EVENTS,
    Complainant,
    ComplaintReceived,
    ComplaintState,
    Status,
    decide,
)
from shared.complaints.events import ComplaintEvent, FeedbackReceived
from tests.builders import T0, a_complainant, agent, path_to, receive, received, run

pytestmark = pytest.mark.unit

EVENT_MODELS = [COMPLAINT_EVENTS.model_for(t) for t in COMPLAINT_EVENTS.types()]


def _subclasses(base: type) -> set[type]:
    return {sub for direct in base.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_complaint_event_is_registered() -> None:
    declared = {
        kind for kind in _subclasses(ComplaintEvent) if kind.__module__.startswith("shared.complaints")
    }
    assert set(EVENT_MODELS) == declared
    assert len(EVENT_MODELS) >= 30
    for model in EVENT_MODELS:
        assert model.event_type == model.__name__
        assert model.schema_version == (2 if model in (ComplaintReceived, FeedbackReceived) else 1)


@pytest.mark.parametrize("model", [*EVENT_MODELS, Complainant, *ALL_COMMANDS], ids=lambda m: m.__name__)
def test_every_field_is_described_in_english(model: type[BaseModel]) -> None:
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} has no description"
        assert field.description.isascii(), f"{model.__name__}.{name}: describe in English"


def test_an_anonymous_complaint_carries_no_identity() -> None:
    with pytest.raises(ValidationError, match="anonymous"):
        received(anonymous=True, complainant=a_complainant())
    with pytest.raises(ValidationError, match="anonymous"):
        receive(anonymous=True, complainant=a_complainant())


def test_a_complaint_by_name_carries_the_complainant() -> None:
    # the event accepts none: a schema-1 complaint upcast without its plaintext has none
    assert received(complainant=None).personal_data is None
    with pytest.raises(ValidationError, match="by name"):
        receive(complainant=None)


def test_an_anonymous_employee_complaint_is_received() -> None:
    event = received(anonymous=True, complainant_kind="employee", category="pay_benefits")
    assert event.complainant_id is None and event.personal_data is None and event.anonymous


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="naive"):
        received(received_at=datetime(2026, 1, 5, 9, 0))
    with pytest.raises(ValidationError, match="naive"):
        receive(when=datetime(2026, 1, 5, 9, 0))


def test_events_are_frozen() -> None:
    event = received()
    with pytest.raises(ValidationError):
        event.subject = "changed"  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        ComplaintReceived.model_validate({**received().model_dump(), "extra_field": 1})


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_every_decided_event_survives_the_wire(status: Status) -> None:
    state = ComplaintState.initial()
    for command in path_to(status):
        for event in decide(state, command):
            wire = event.model_dump(mode="json")
            back = COMPLAINT_EVENTS.model_for(event.event_type).model_validate(wire)
            assert back == event
        state = run(state, command)


def test_received_times_are_kept_in_utc() -> None:
    from datetime import timedelta, timezone

    shanghai = timezone(timedelta(hours=8))
    event = received(received_at=datetime(2026, 1, 5, 9, 0, tzinfo=shanghai))
    assert event.received_at == T0 and event.received_at.tzinfo is not None
    assert event.received_at.utcoffset() == timedelta(0)


def test_commands_say_who_and_when() -> None:
    command = receive(by=agent("customer_service"))
    assert command.actor.department == "customer_service"
    assert command.at == T0
