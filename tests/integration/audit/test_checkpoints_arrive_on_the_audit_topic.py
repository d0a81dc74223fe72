"""`tousu audit checkpoint` publishes the signed head on the audit topic, where auditors keep it."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.checkpoint import AuditCheckpoint
from shared.audit.keys import private_pem
from shared.audit.make_command import make_checkpoints
from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.support.backends import Backend
from tests.support.settings import settings_for
from tests.support.store_events import new_stream_id, some

pytestmark = pytest.mark.integration


async def test_the_signed_head_arrives_on_the_topic(
    new_database, kafka_backend: Backend, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    key = Ed25519PrivateKey.generate()
    (tmp_path / "key.pem").write_bytes(private_pem(key))
    settings = settings_for(await new_database(), kafka_backend).model_copy(
        update={
            "audit_signing_key_file": tmp_path / "key.pem",
            "audit_checkpoint_dir": tmp_path / "checkpoints",
        }
    )
    await ensure_topics(settings)
    engine = create_engine(settings.database_url)
    try:
        store = PostgresEventStore(engine)
        await store.append(new_stream_id(), NO_STREAM, some(3))
        await store.wait_until_followable()
    finally:
        await engine.dispose()

    out = io.StringIO()
    assert await make_checkpoints(settings, out) == 0, out.getvalue()
    assert f"published on {settings.topic_audit_checkpoints}" in out.getvalue()

    consumer = AIOKafkaConsumer(
        settings.topic_audit_checkpoints,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        values: list[bytes] = []
        deadline = time.monotonic() + 20
        while not values and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                values += [record.value for record in records]
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    [value] = values
    checkpoint = AuditCheckpoint.model_validate_json(value)
    assert checkpoint.sequence == 1 and checkpoint.event_count == 3
    assert checkpoint.signature_valid(key.public_key())
