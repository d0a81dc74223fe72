"""Dead letters: a message that cannot be processed is parked with its reason and origin."""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel, Field

from shared.clock import Clock
from shared.events.canonical import format_timestamp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]


class DeadLetter(BaseModel):
    """What the dead-letter topic carries: enough to understand and replay the failure."""

    consumer: str = Field(description="The service consumer that gave up on the message.")
    reason: str = Field(description="Why it could not be processed (no personal data).")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Field-level reasons, if any.")
    attempts: int = Field(description="How many times processing was tried.")
    failed_at: str = Field(description="UTC time of the last attempt.")
    original_topic: str = Field(description="Topic the message came from.")
    original_partition: int = Field(description="Its partition.")
    original_offset: int = Field(description="Its offset.")
    original_key: str | None = Field(None, description="Its key, as text.")
    original_headers: dict[str, str] = Field(default_factory=dict, description="Its headers, as text.")
    original_value_base64: str = Field(
        description="The original message value, base64 (may hold personal data)."
    )


class DeadLetterPublisher:
    def __init__(self, producer: AIOKafkaProducer, topic: str, clock: Clock) -> None:
        self.producer = producer
        self.topic = topic
        self.clock = clock

    async def send(
        self,
        *,
        consumer: str,
        origin: Origin,
        value: bytes,
        reason: str,
        attempts: int,
        errors: list[dict[str, Any]] | None = None,
        failed_at: datetime | None = None,
    ) -> None:
        letter = DeadLetter(
            consumer=consumer,
            reason=reason,
            errors=errors or [],
            attempts=attempts,
            failed_at=format_timestamp(failed_at or self.clock.now()),
            original_topic=origin.topic,
            original_partition=origin.partition,
            original_offset=origin.offset,
            original_key=origin.key.decode(errors="replace") if origin.key else None,
            original_headers={k: v.decode(errors="replace") for k, v in origin.headers},
            original_value_base64=base64.b64encode(value).decode(),
        )
        await self.producer.send_and_wait(
            self.topic,
            value=json.dumps(letter.model_dump(), ensure_ascii=False).encode(),
            key=origin.key,
            headers=[("consumer", consumer.encode()), ("reason", reason[:200].encode())],
        )
        # Never the value in the log: it may carry a complainant's personal data.
        log.warning(
            "message dead-lettered",
            extra={
                "consumer": consumer,
                "reason": reason,
                "topic": origin.topic,
                "partition": origin.partition,
                "offset": origin.offset,
            },
        )
