"""Every event's stream has a category, told from its id, sent as the ``stream_category`` header
and read back by consumers (from the id when an older relay sent no header); a subscription
handles only the categories it names."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shared.events import RecordedEvent
from shared.events.streams import CATEGORIES, COMPLAINT, HEADER, INSPECTION, stream_category
from shared.messaging.consumer import EventSubscription
from shared.messaging.deliveries import EventDelivery
from shared.messaging.event_routes import event_headers
from tests.builders import as_recorded, receive, received

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("stream_id", "category"),
    [
        ("TS-20261123-000001", COMPLAINT),
        ("TS-SLA-0a1b2c3d4e", COMPLAINT),
        ("2019-000731", COMPLAINT),  # numbered otherwise (an import, say): still a complaint
        ("inspection-2026-W48", INSPECTION),
    ],
)
def test_the_category_is_told_from_the_stream_id(stream_id: str, category: str) -> None:
    assert stream_category(stream_id) == category
    assert category in CATEGORIES


def _stored(stream_id: str) -> RecordedEvent:
    return as_recorded(stream_id, [(receive(), [received()])])[0]


def _record(stream_id: str, headers: dict[str, str] | None) -> SimpleNamespace:
    """What aiokafka hands a consumer for one message."""
    event = _stored(stream_id)
    wire = headers if headers is not None else {}
    return SimpleNamespace(
        topic="events",
        partition=0,
        offset=7,
        key=stream_id.encode(),
        value=event.to_wire(),
        headers=[(name, value.encode()) for name, value in wire.items()],
    )


def test_the_relays_headers_carry_the_category() -> None:
    headers = event_headers(_stored("inspection-2026-W48"))
    assert headers[HEADER] == INSPECTION
    assert EventDelivery.from_record(_record("inspection-2026-W48", headers)).category == INSPECTION


def test_without_the_header_the_category_comes_from_the_stream_id() -> None:
    delivery = EventDelivery.from_record(_record("inspection-2026-W48", None))  # an older relay
    assert delivery.category == INSPECTION
    assert EventDelivery.from_store(delivery.event).category == INSPECTION


async def _nothing(events: object, ctx: object) -> None:
    return None


def test_a_subscription_handles_the_categories_it_names() -> None:
    complaints = EventSubscription(_nothing, frozenset({"ComplaintReceived"}), False, frozenset({COMPLAINT}))
    assert complaints.wants("ComplaintReceived", COMPLAINT)
    assert not complaints.wants("ComplaintReceived", INSPECTION)
    assert not complaints.takes(INSPECTION)
    everything = EventSubscription(_nothing, None, False, None)
    assert everything.wants("QualityInspectionScored", INSPECTION)
