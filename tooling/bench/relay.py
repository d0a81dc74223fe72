"""Benchmark 3: the outbox relay, events/s from committed rows to Kafka acknowledgements,
against raw aiokafka producing the same messages (value, key, headers) to the same topic.

A backlog of committed events is drained by ``OutboxRelay.relay_once`` (read a page in commit
order, publish, wait for every ack, save the checkpoint) from the start of the store; the raw
producer sends the same messages in batches of the same size and waits for their acks.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from shared.db.engine import create_engine
from shared.events import START, RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.event_routes import event_headers, routes_for
from shared.messaging.producer import headers_of, make_producer
from shared.messaging.relay import OutboxRelay
from shared.settings import Settings
from tooling.bench.environment import BenchEnvironment
from tooling.bench.replay import EVENTS_PER_COMPLAINT, populate
from tooling.bench.results import BenchResult, Figure, rate
from tooling.bench.sizes import Sizes


def messages(events: list[RecordedEvent], settings: Settings) -> list[tuple[str, bytes, bytes, Any]]:
    """What the relay sends for ``events``: (topic, key, value, headers) per route."""
    out = []
    for event in events:
        value = event.to_wire()
        headers = headers_of(event_headers(event))
        for route in routes_for(event, settings, complaint_routes):
            out.append((route.topic, route.key.encode(), value, headers))
    return out


async def bench_relay(env: BenchEnvironment, sizes: Sizes) -> BenchResult:
    result = BenchResult("relay", "3. Outbox relay (events/s, commit → Kafka ack)")
    settings = await env.scratch("relay")
    await env.topics(settings)
    engine = create_engine(settings.database_url, pool_size=8, application_name="tousu-bench")
    store = PostgresEventStore(engine)
    producer = make_producer(settings, client_id="tousu-bench")
    await producer.start()
    stored = 0
    try:
        for target in sizes.relay_events:
            await populate(store, (target - stored) // EVENTS_PER_COMPLAINT)
            await store.wait_until_followable()
            backlog: list[RecordedEvent] = []
            while batch := await store.read_all(backlog[-1].position if backlog else START, 5000):
                backlog.extend(batch)
            stored = len(backlog)
            outgoing = messages(backlog, settings)
            relay = OutboxRelay(settings, engine, producer, extra_routes=complaint_routes, name="bench-relay")
            tousu = Figure(
                "outbox_relay", "events/s", [], {"events": stored, "batch": settings.relay_batch_size}
            )
            raw = Figure(
                "raw_aiokafka", "events/s", [], {"events": stored, "batch": settings.relay_batch_size}
            )
            for _ in range(sizes.repeats):
                relay.position, relay.published = START, 0
                began = time.perf_counter()
                while await relay.relay_once():
                    pass
                tousu.runs.append(rate(relay.published, time.perf_counter() - began))
                began = time.perf_counter()
                for start in range(0, len(outgoing), settings.relay_batch_size):
                    pending = [
                        await producer.send(topic, value=value, key=key, headers=headers)
                        for topic, key, value, headers in outgoing[start : start + settings.relay_batch_size]
                    ]
                    await asyncio.gather(*pending)
                raw.runs.append(rate(stored, time.perf_counter() - began))
            result.figures.extend([tousu, raw])
            result.ratio(f"{stored} events: relay / raw aiokafka", tousu, raw, 0.7)
    finally:
        await producer.stop()
        await engine.dispose()
    return result
