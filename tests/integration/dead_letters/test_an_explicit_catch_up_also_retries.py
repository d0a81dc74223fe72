"""`Runtime.catch_up()` says it handles, for every consumer once, what Kafka did not deliver *and
retries what was asked to be*: tests that run without the background loop
(``run_catch_up=False``) rely on it to have a letter marked for retry handled.
"""

from __future__ import annotations

import uuid

import pytest

from shared.clock import FakeClock
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.messaging.dead_letter_admin import request_retry
from shared.messaging.dead_letters import LetterDraft, record_letter
from shared.service.runtime import Runtime
from tests.integration.dead_letters.conftest import Harness

pytestmark = pytest.mark.integration


async def test_an_explicit_catch_up_retries_requested_letters(harness: Harness) -> None:
    event = await harness.store_event(broken=False)
    handled: list[RecordedEvent] = []

    async def handle(event: RecordedEvent, ctx: HandlerContext) -> None:
        handled.append(event)

    quiet = Runtime(
        f"quiet-{uuid.uuid4().hex[:8]}", harness.settings, FakeClock(), run_relay=False, run_catch_up=False
    )
    try:
        consumer = quiet.consumer()
        subscribe_events(
            quiet.broker, consumer, harness.settings.topic_events, handle, categories=None, description="test"
        )
        draft = LetterDraft(
            consumer=consumer.name,
            message_id=str(event.event_id),
            reason="RuntimeError: planned failure",
            attempts=1,
            origin=None,
            event_type=event.type,
            stream_id=event.stream_id,
            stream_version=event.stream_version,
        )
        async with quiet.engine.begin() as conn:
            letter_id = await record_letter(conn, draft, quiet.clock.now())
            await request_retry(conn, letter_id, actor="cli:tests", clock=quiet.clock)

        await quiet.catch_up()

        assert (await harness.letter(letter_id)).status.value == "resolved"
        assert event.event_id in [e.event_id for e in handled]
    finally:
        await quiet.engine.dispose()
