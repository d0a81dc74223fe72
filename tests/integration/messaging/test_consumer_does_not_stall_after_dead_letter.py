"""A dead-lettered message does not block its partition: the next one is processed."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events import RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.messaging.topics import ensure_topics
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, TopicReader, find_letters, wait_until
from tests.support.store_events import new_stream_id, something

pytestmark = pytest.mark.integration


async def test_the_partition_moves_on_after_a_dead_letter(
    settings: Settings, new_database: NewDatabase
) -> None:
    settings = settings.model_copy(update={"database_url": await new_database(), "consumer_max_attempts": 2})
    await ensure_topics(settings)
    runtime = Runtime(f"stall-{uuid.uuid4().hex[:8]}", settings, run_relay=False)
    consumer = runtime.consumer()
    doomed: set[str] = set()
    handled: list[str] = []

    async def handler(event: RecordedEvent, ctx: HandlerContext) -> None:
        if str(event.event_id) in doomed:
            raise RuntimeError("planned failure")
        handled.append(str(event.event_id))

    subscribe_events(
        runtime.broker, consumer, settings.topic_events, handler, categories=None, description="test"
    )
    dead_letters = TopicReader(settings, settings.topic_dead_letters)
    group = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=consumer.group_id)
    await runtime.start()
    await dead_letters.start()
    await group.start()  # only to read the group's committed offsets; it never joins
    try:
        key = new_stream_id()
        events = [
            (await runtime.store.append(new_stream_id(), NO_STREAM, [something(n)])).events[0]
            for n in range(3)
        ]
        failing, first_good, second_good = events
        doomed.add(str(failing.event_id))

        async def send(value: bytes) -> int:
            sent = await runtime.producer.send_and_wait(settings.topic_events, value=value, key=key.encode())
            return sent.partition

        partitions = {
            await send(b"{not json"),
            await send(failing.to_wire()),
            await send(first_good.to_wire()),
            await send(b"\x00"),
            await send(second_good.to_wire()),
        }
        assert len(partitions) == 1  # one key, one partition, one line of messages
        partition = partitions.pop()

        await wait_until(lambda: len(handled) == 2)
        assert handled == [str(first_good.event_id), str(second_good.event_id)]
        letters = await find_letters(dead_letters, lambda letter: letter.original_key == key, count=3)
        letters.sort(key=lambda letter: letter.original_offset)  # undecodable ones are parked first
        assert [letter.original_offset for letter in letters] == [0, 1, 3]
        assert [letter.attempts for letter in letters] == [1, 2, 1]
        assert (consumer.processed, consumer.dead_lettered) == (2, 3)

        tp = TopicPartition(settings.topic_events, partition)
        await wait_until(lambda: committed_offset(group, tp, 5))  # acknowledged through the last one
    finally:
        await group.stop()
        await dead_letters.stop()
        await runtime.stop()


async def committed_offset(group: AIOKafkaConsumer, tp: TopicPartition, wanted: int) -> bool:
    return await group.committed(tp) == wanted
