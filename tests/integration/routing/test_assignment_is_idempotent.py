"""ComplaintReceived delivered again (Kafka redelivers at least once) assigns the complaint once."""

from __future__ import annotations

import pytest

from services.routing.handlers import AssignOnReceipt
from services.routing.rules import load_rules
from shared.complaints.values import Category
from shared.messaging.consumer import HandlerContext
from shared.messaging.dead_letters import Origin
from tests.integration.routing.conftest import Routing
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_a_redelivered_complaint_is_assigned_once(routing: Routing) -> None:
    received = await routing.receive(category=Category.BILLING)
    assignment = await routing.assignment(received.stream_id)
    await routing.listed("finance", received.stream_id, assignment.stream_version)
    assigner, projection, _green_channel, _eight_d = routing.runtime.consumers
    duplicates = (assigner.duplicates, projection.duplicates)

    wire, key = received.to_wire(), received.stream_id.encode()
    await routing.runtime.producer.send_and_wait(routing.settings.topic_events, value=wire, key=key)
    await routing.runtime.producer.send_and_wait(
        routing.settings.topic_events, value=assignment.to_wire(), key=key, partition=0
    )

    async def seen_again() -> bool:
        return assigner.duplicates > duplicates[0] and projection.duplicates >= duplicates[1] + 2

    await eventually(seen_again, what="the redeliveries consumed")
    stream = await routing.stream(received.stream_id)
    assert [e.type for e in stream] == ["ComplaintReceived", "ComplaintAssigned"]
    item = await routing.listed("finance", received.stream_id)
    assert (item["status"], item["stream_version"]) == ("assigned", 2)


async def test_a_complaint_already_assigned_is_left_alone(routing: Routing) -> None:
    """Even a first delivery (say, after the dedupe records were lost) assigns nothing twice."""
    received = await routing.receive(category=Category.AFTER_SALES)
    await routing.assignment(received.stream_id)
    handler = AssignOnReceipt(load_rules(), routing.runtime.clock)
    async with routing.runtime.engine.begin() as conn:
        await handler(received, HandlerContext(conn, routing.store.bound(conn), Origin("t", 0, 0, None, ())))

    assert [e.type for e in await routing.stream(received.stream_id)] == [
        "ComplaintReceived",
        "ComplaintAssigned",
    ]
