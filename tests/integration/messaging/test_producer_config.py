"""Producers wait for every in-sync replica; idempotence follows the broker's support for it."""

from __future__ import annotations

import pytest

from shared.messaging.producer import make_producer
from shared.messaging.topics import ensure_topics
from shared.settings import Settings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("idempotence", [True, False])
async def test_settings_decide_acks_and_idempotence(settings: Settings, idempotence: bool) -> None:
    producer = make_producer(settings.model_copy(update={"kafka_idempotence": idempotence}))
    try:
        assert producer._sender._acks == -1  # aiokafka's spelling of acks=all
        assert (producer._txn_manager is not None) is idempotence
    finally:
        await producer.stop()


async def test_the_configured_producer_publishes_to_the_broker(settings: Settings) -> None:
    await ensure_topics(settings)
    producer = make_producer(settings, client_id="tousu-test")
    await producer.start()
    try:
        assert producer._sender._acks == -1
        assert (producer._txn_manager is not None) is settings.kafka_idempotence
        sent = await producer.send_and_wait(settings.topic_events, value=b"{}", key=b"TS-1")
        assert sent.topic == settings.topic_events
        assert sent.offset == 0
    finally:
        await producer.stop()
