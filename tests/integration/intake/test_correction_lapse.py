"""A Kafka submission missing required fields is returned for correction on a new stream; the
channel corrects it with the same submission_id, or it lapses after 24 h (FakeClock)."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import text

from services.intake.config import IntakeSettings
from services.intake.corrections import CorrectionLapser
from services.intake.main import create_app
from shared.clock import FakeClock
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.support import auth
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Lapsing:
    def __init__(self, settings: Settings, clock: FakeClock, app: object) -> None:
        self.settings = settings
        self.clock = clock
        self.app = app


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def lapsing(new_database, kafka_backend) -> AsyncIterator[Lapsing]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    clock = FakeClock()
    app = create_app(
        settings, clock=clock, tokens=auth.test_tokens(), config=IntakeSettings(), lapse_in_background=False
    )
    async with running(app):
        yield Lapsing(settings, clock, app)


def hotline_call(submission_id: str, *, phone: str | None, channel_id: str = "ivr-1") -> bytes:
    complainant: dict[str, str] = {"name": "王女士"}
    if phone is not None:
        complainant["phone"] = phone
    return json.dumps(
        {
            "submission_id": submission_id,
            "channel_id": channel_id,
            "channel": "hotline",  # the policy requires complainant.phone on the hotline
            "complainant_kind": "customer",
            "complainant": complainant,
            "category": "after_sales",
            "subject": "上门维修未到",
            "content": "约好的上门维修没有来。",
        }
    ).encode()


async def publish(settings: Settings, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(settings.topic_intake, value=value, key=b"ivr-1")
    finally:
        await producer.stop()


async def stream_of(settings: Settings, submission_id: str) -> list[RecordedEvent]:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            number = (
                await conn.execute(
                    text(
                        "SELECT stream_id FROM events WHERE type = 'ComplaintReturnedForCorrection' "
                        "AND payload->>'submission_id' = :s"
                    ),
                    {"s": submission_id},
                )
            ).scalar()
        return [] if number is None else await PostgresEventStore(engine).read_stream(number)
    finally:
        await engine.dispose()


async def types_of(settings: Settings, submission_id: str, wanted: int) -> list[str] | None:
    types = [r.type for r in await stream_of(settings, submission_id)]
    return types if len(types) >= wanted else None


async def test_a_returned_submission_is_received_on_the_same_stream_once_corrected(lapsing: Lapsing) -> None:
    sid = f"ivr-{uuid.uuid4().hex[:8]}"
    await publish(lapsing.settings, hotline_call(sid, phone=None), hotline_call(sid, phone=None))
    await eventually(lambda: types_of(lapsing.settings, sid, 1), what="returned for correction")
    returned = (await stream_of(lapsing.settings, sid))[0]
    assert returned.payload["missing_fields"] == ["complainant.phone"]
    assert returned.payload["channel_id"] == "ivr-1"
    due = lapsing.clock.now() + timedelta(hours=24)
    assert returned.payload["due_at"].startswith(due.strftime("%Y-%m-%dT%H:%M"))
    assert "王女士" not in json.dumps(returned.payload, ensure_ascii=False)  # no personal data

    await publish(lapsing.settings, hotline_call(sid, phone="13812345678"))
    types = await eventually(lambda: types_of(lapsing.settings, sid, 2), what="the corrected submission")
    assert types[:2] == ["ComplaintReturnedForCorrection", "ComplaintReceived"]
    received = (await stream_of(lapsing.settings, sid))[1]
    assert received.stream_id == returned.stream_id and received.payload["submission_id"] == sid

    lapsing.clock.advance(timedelta(hours=25))
    await lapsing.app.state.lapser.lapse_due()  # type: ignore[attr-defined]
    assert "ComplaintCorrectionLapsed" not in [r.type for r in await stream_of(lapsing.settings, sid)]

    # the returned event is on the complaint events topic, keyed by the number, for the channel
    consumer = AIOKafkaConsumer(
        lapsing.settings.topic_events,
        bootstrap_servers=lapsing.settings.kafka_bootstrap,
        group_id=f"channel-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        seen: list[bytes] = []

        async def published() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            seen.extend(m.key or b"" for msgs in batch.values() for m in msgs)
            return returned.stream_id.encode() in seen

        await eventually(published, what="ComplaintReturnedForCorrection on the events topic")
    finally:
        await consumer.stop()


async def test_an_uncorrected_submission_lapses_after_24_hours(lapsing: Lapsing) -> None:
    sid = f"ivr-{uuid.uuid4().hex[:8]}"
    await publish(lapsing.settings, hotline_call(sid, phone=None))
    await eventually(lambda: types_of(lapsing.settings, sid, 1), what="returned for correction")

    lapsing.clock.advance(timedelta(hours=23))
    await lapsing.app.state.lapser.lapse_due()  # type: ignore[attr-defined]
    assert [r.type for r in await stream_of(lapsing.settings, sid)] == ["ComplaintReturnedForCorrection"]

    lapsing.clock.advance(timedelta(hours=1, seconds=1))
    assert await lapsing.app.state.lapser.lapse_due() >= 1  # type: ignore[attr-defined]
    events = await stream_of(lapsing.settings, sid)
    assert [r.type for r in events] == ["ComplaintReturnedForCorrection", "ComplaintCorrectionLapsed"]
    assert events[1].actor.role == "service" and events[1].actor.id == "intake"
    assert await lapsing.app.state.lapser.lapse_due() == 0  # type: ignore[attr-defined]

    # too late: the correction is dead-lettered with the reason, the stream stays ended
    await publish(lapsing.settings, hotline_call(sid, phone="13812345678"))
    letter = await next_dead_letter(lapsing.settings, sid)
    assert "correction_lapsed" in str(letter["reason"])
    assert [r.type for r in await stream_of(lapsing.settings, sid)][-1] == "ComplaintCorrectionLapsed"


async def test_a_channel_system_not_allowed_on_the_channel_is_dead_lettered(lapsing: Lapsing) -> None:
    sid = f"bot-{uuid.uuid4().hex[:8]}"
    body = json.loads(hotline_call(sid, phone="13812345678", channel_id="wechat-bot"))
    body["channel"] = "employee_mailbox"
    body["complainant_kind"] = "employee"
    await publish(lapsing.settings, json.dumps(body).encode())
    letter = await next_dead_letter(lapsing.settings, sid)
    assert "may not submit on the channel employee_mailbox" in str(letter["reason"])


async def next_dead_letter(settings: Settings, submission_id: str) -> dict[str, object]:
    consumer = AIOKafkaConsumer(
        settings.topic_dead_letters,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"dlq-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    letters: list[dict[str, object]] = []
    try:

        async def found() -> dict[str, object] | None:
            batch = await consumer.getmany(timeout_ms=500)
            letters.extend(json.loads(m.value) for msgs in batch.values() for m in msgs)
            return next((x for x in letters if submission_id.encode() in _original(x)), None)

        return await eventually(found, timeout=30, what=f"dead letter of {submission_id}")
    finally:
        await consumer.stop()


def _original(letter: dict[str, object]) -> bytes:
    return base64.b64decode(str(letter.get("original_value_base64") or ""))


async def test_the_due_table_survives_a_restart(lapsing: Lapsing) -> None:
    """Another intake process (a restart) lapses what this one returned: the due time is in
    PostgreSQL, not in memory."""
    sid = f"ivr-{uuid.uuid4().hex[:8]}"
    await publish(lapsing.settings, hotline_call(sid, phone=None))
    await eventually(lambda: types_of(lapsing.settings, sid, 1), what="returned for correction")

    engine = create_engine(lapsing.settings.database_url, pool_size=2)
    try:
        later = FakeClock(lapsing.clock.now() + timedelta(hours=25))
        restarted = CorrectionLapser(engine, PostgresEventStore(engine), later)
        assert await restarted.lapse_due() >= 1
    finally:
        await engine.dispose()
    assert [r.type for r in await stream_of(lapsing.settings, sid)][-1] == "ComplaintCorrectionLapsed"
