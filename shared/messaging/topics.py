"""The Kafka topics tousu uses; names come from settings (README: Topics)."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.settings import Settings

log = logging.getLogger(__name__)


def topic_names(settings: Settings) -> list[str]:
    return [
        settings.topic_intake,
        settings.topic_events,
        settings.topic_assignments,
        settings.topic_dead_letters,
        settings.topic_service_volume,
        settings.topic_audit_checkpoints,
    ]


async def ensure_topics(settings: Settings) -> list[str]:
    """Create any missing topic; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [name for name in topic_names(settings) if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(name, num_partitions=settings.topic_partitions, replication_factor=1)
                        for name in missing
                    ]
                )
            log.info("created topics", extra={"topics": missing})
        return missing
    finally:
        await admin.close()
