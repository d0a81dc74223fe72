"""The same event delivered again starts no second clock, and a stale event stops no newer one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT, feedback
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import FIRST, RESOLUTION, DirectClocks, clock_of, deadlines, settled
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_a_redelivered_event_from_kafka_changes_nothing(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    await settled(sla.engine, sla.store, no)
    before = await deadlines(sla.engine, no)
    [consumer] = sla.runtime.consumers
    duplicates = consumer.duplicates

    for record in await sla.complaints.records(no):  # Kafka delivers everything once more
        await sla.runtime.producer.send_and_wait(
            sla.runtime.settings.topic_events, value=record.to_wire(), key=no.encode()
        )

    async def skipped() -> bool:
        return consumer.duplicates >= duplicates + 2

    await eventually(skipped, what="both redeliveries skipped as duplicates")
    assert await deadlines(sla.engine, no) == before
    assert len(before) == 2


async def test_the_handler_run_twice_on_an_event_starts_one_clock(sla: Sla) -> None:
    """Even past the consumer's dedupe (a replay, a second consumer name), a start is keyed by its event."""
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    await settled(sla.engine, sla.store, no)
    before = await deadlines(sla.engine, no)

    direct = DirectClocks(sla.engine, sla.store)
    for record in await sla.complaints.records(no):
        await direct.apply(record)

    assert await deadlines(sla.engine, no) == before


async def test_a_stale_acceptance_does_not_stop_the_clock_of_a_reopen(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    accepted = await sla.complaints.accept(no, DEPT)
    await sla.complaints.resolve(no, DEPT)
    sla.clock.advance(timedelta(hours=1))
    await sla.complaints.do(no, feedback(satisfied=False, when=sla.clock.now()))
    await settled(sla.engine, sla.store, no)

    await DirectClocks(sla.engine, sla.store).apply(accepted.recorded[0])

    rows = await deadlines(sla.engine, no)
    assert clock_of(rows, FIRST, 2).state is DeadlineState.OPEN
    assert clock_of(rows, RESOLUTION, 2).state is DeadlineState.OPEN
