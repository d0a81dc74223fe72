"""Kafka producers: acks=all always; idempotence on for Apache Kafka, off for tansu."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from shared.settings import Settings


def make_producer(settings: Settings, *, client_id: str = "tousu") -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=2,
        max_batch_size=256 * 1024,
        request_timeout_ms=30_000,
    )


def headers_of(pairs: dict[str, str]) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in pairs.items()]
