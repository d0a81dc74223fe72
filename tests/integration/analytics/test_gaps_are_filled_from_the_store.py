"""Events reach the read model in stream order; a gap that cannot be filled is dead-lettered.

A transaction that took its id first (as a consumer's does: it records the message id, then reads
the stream, then appends) could once place an event before its predecessor in commit order. The
store now refuses that append (StaleTransaction, retried in a new transaction), so the relay
publishes each complaint's events in version order. The read model still fills a gap from the
store, as a second line of defence.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from shared.clock import FakeClock
from shared.complaints import Status
from shared.events import NewEvent, RecordedEvent
from shared.eventstore import PostgresEventStore, StaleTransaction
from tests.builders import acknowledge, assign
from tests.integration.analytics.conftest import Analytics, History, history_to, new_number, snapshot, then
from tests.support.horizon import settled
from tests.support.running import eventually

pytestmark = pytest.mark.integration


def new_events(history: History, skip: int) -> list[list[NewEvent]]:
    return [
        [NewEvent.of(event, actor=command.actor, clock=FakeClock(command.at)) for event in events]
        for command, events in history[skip:]
    ]


async def test_an_older_transaction_cannot_put_an_event_before_its_predecessor(analytics: Analytics) -> None:
    no = new_number()
    received = history_to(Status.RECEIVED, no)
    await analytics.put(no, received)
    ack, assigned = new_events(then(received, acknowledge(), assign()), skip=1)

    async with analytics.engine.connect() as early:  # takes its transaction id first
        await early.execute(
            text("INSERT INTO processed_events (consumer, event_id) VALUES ('gap-test', :id)"),
            {"id": str(uuid.uuid4())},
        )
        await analytics.store.append(no, 1, ack)  # version 2, committed at once
        with pytest.raises(StaleTransaction):
            await PostgresEventStore(analytics.engine, early).append(no, 2, assigned)
        await early.rollback()
    await analytics.store.append(no, 2, assigned)  # the retry, in a new transaction

    await settled(analytics.store)
    stored = await analytics.store.read_all(limit=100_000)
    assert [e.stream_version for e in stored if e.stream_id == no] == [1, 2, 3]

    await analytics.projected({no: 3})
    expected = await analytics.expected_row(no)
    versions = await analytics.timeline(no, "stream_version")
    row = await analytics.row(no)
    assert versions == [1, 2, 3]
    assert row == expected
    assert row["status"] == "assigned" and row["acknowledged"] is True
    assert analytics.runtime.consumers[0].dead_lettered == 0


async def test_a_gap_the_store_cannot_fill_is_retried_then_dead_lettered(analytics: Analytics) -> None:
    no = new_number()
    await analytics.put(no, history_to(Status.RECEIVED, no))
    await analytics.projected({no: 1})
    before = await snapshot(analytics.engine)
    consumer = analytics.runtime.consumers[0]
    dead = consumer.dead_lettered
    first = (await analytics.store.read_stream(no))[0]
    phantom = RecordedEvent.model_validate(
        {
            **first.model_dump(),
            "event_id": uuid.uuid4(),
            "stream_version": 5,
            "type": "ComplaintAcknowledged",
            "payload": {"via": "sms", "message_key": "ack"},
        }
    )

    await analytics.runtime.producer.send_and_wait(
        analytics.settings.topic_events, value=phantom.to_wire(), key=no.encode()
    )

    async def dead_lettered() -> bool:
        return consumer.dead_lettered == dead + 1

    await eventually(dead_lettered, what="the phantom event dead-lettered")
    assert await snapshot(analytics.engine) == before
