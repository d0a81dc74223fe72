"""Events delivered or replayed again change nothing: the consumer dedupes, the projection checks versions."""

from __future__ import annotations

import pytest

from services.analytics.complaints.projection import AnalyticsProjection
from shared.complaints import Status
from tests.integration.analytics.conftest import Analytics, history_to, new_number, snapshot
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_the_same_messages_delivered_again_change_nothing(analytics: Analytics) -> None:
    no = new_number()
    version = await analytics.put(no, history_to(Status.RESOLVED, no))
    await analytics.projected({no: version})
    before = await snapshot(analytics.engine)
    consumer = analytics.runtime.consumers[0]
    duplicates = consumer.duplicates

    topic = analytics.settings.topic_events
    for event in reversed(await analytics.store.read_stream(no)):  # newest first, too
        await analytics.runtime.producer.send_and_wait(topic, value=event.to_wire(), key=no.encode())

    async def all_seen_again() -> bool:
        return consumer.duplicates >= duplicates + version

    await eventually(all_seen_again, what="the redelivered messages consumed")
    assert await snapshot(analytics.engine) == before
    assert consumer.dead_lettered == 0


async def test_events_already_applied_are_skipped_by_their_version(analytics: Analytics) -> None:
    no = new_number()
    version = await analytics.put(no, history_to(Status.CLOSED, no))
    await analytics.projected({no: version})
    before = await snapshot(analytics.engine)
    events = await analytics.store.read_stream(no)

    async with analytics.engine.begin() as conn:
        store = analytics.store.bound(conn)
        again = await AnalyticsProjection().project(conn, store, events)
        older = await AnalyticsProjection().project(conn, store, events[:3])

    assert (again.applied, again.skipped) == (0, version)
    assert (older.applied, older.skipped) == (0, 3)
    assert await snapshot(analytics.engine) == before
