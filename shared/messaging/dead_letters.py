"""Dead letters: a message a consumer gave up on, kept with its reason and origin.

Durably first: a row in ``dead_letters`` (migration 0015), written in the same transaction that
moves the consumer past the message, so a message is either handled, or dead-lettered, never
lost in between. Then, after that commit, a record on the dead-letter topic for whoever watches
it (Kafka is transport: a broker that forgets the topic loses nothing the table holds).

The row never holds a value the privacy rules keep out of logs in the clear: a stored event is
named by stream and version (the store holds it), any other message's value is sealed with
AES-256-GCM under a key of its own (``dead_letter_keys``), deleted once the letter is resolved
or discarded, which leaves the value unreadable.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.clock import Clock
from shared.events.canonical import format_timestamp
from shared.messaging.deliveries import Origin

log = logging.getLogger(__name__)

__all__ = ["DeadLetter", "DeadLetterPublisher", "LetterDraft", "Origin", "open_value", "record_letter"]


class DeadLetter(BaseModel):
    """What the dead-letter topic carries: enough to understand and replay the failure."""

    consumer: str = Field(description="The service consumer that gave up on the message.")
    reason: str = Field(description="Why it could not be processed (no personal data).")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Field-level reasons, if any.")
    attempts: int = Field(description="How many times processing was tried.")
    failed_at: str = Field(description="UTC time of the last attempt.")
    letter_id: int | None = Field(
        None, description="The letter's id in PostgreSQL (`tousu dead-letters show ID`, retry, discard)."
    )
    original_topic: str = Field(
        description="Topic the message came from ('store' for an event read from it)."
    )
    original_partition: int = Field(description="Its partition (-1 for an event read from the store).")
    original_offset: int = Field(description="Its offset (-1 for an event read from the store).")
    original_key: str | None = Field(None, description="Its key, as text.")
    original_headers: dict[str, str] = Field(default_factory=dict, description="Its headers, as text.")
    original_value_base64: str = Field(
        description="The original message value, base64 (may hold personal data)."
    )


@dataclass(frozen=True)
class LetterDraft:
    """A dead letter about to be recorded."""

    consumer: str
    message_id: str
    reason: str
    attempts: int
    origin: Origin | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    event_type: str | None = None
    stream_id: str | None = None
    stream_version: int | None = None
    value: bytes | None = None
    """A message's value, kept sealed; None for a stored event (the store keeps it)."""


RECORD = (
    "INSERT INTO dead_letters AS d (consumer, message_id, status, reason, errors, attempts, first_failed_at, "
    "last_failed_at, origin_topic, origin_partition, origin_offset, origin_key, event_type, stream_id, "
    "stream_version, sealed_value) "
    "VALUES ($1, $2, 'open', $3, $4::jsonb, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
    "ON CONFLICT (consumer, message_id) DO UPDATE SET status = 'open', reason = excluded.reason, "
    "errors = excluded.errors, attempts = d.attempts + excluded.attempts, "
    "last_failed_at = excluded.last_failed_at, "
    "origin_topic = coalesce(excluded.origin_topic, d.origin_topic), "
    "origin_partition = coalesce(excluded.origin_partition, d.origin_partition), "
    "origin_offset = coalesce(excluded.origin_offset, d.origin_offset), "
    "sealed_value = coalesce(excluded.sealed_value, d.sealed_value), "
    "resolved_at = NULL, discarded_at = NULL, discarded_by = NULL, discard_reason = NULL "
    "RETURNING id"
)
SAVE_KEY = (
    "INSERT INTO dead_letter_keys (letter_id, key) VALUES ($1, $2) "
    "ON CONFLICT (letter_id) DO UPDATE SET key = excluded.key"
)
LOAD_VALUE = (
    "SELECT d.consumer, d.message_id, d.sealed_value, k.key FROM dead_letters d "
    "LEFT JOIN dead_letter_keys k ON k.letter_id = d.id WHERE d.id = $1"
)
NONCE_BYTES = 12


def _associated_data(consumer: str, message_id: str) -> bytes:
    return f"tousu dead letter {consumer} {message_id}".encode()


async def record_letter(conn: AsyncConnection, draft: LetterDraft, failed_at: datetime) -> int:
    """Record (or, for a message that failed before, update) the letter in ``conn``'s transaction;
    returns its id."""
    sealed: bytes | None = None
    key: bytes | None = None
    if draft.value is not None:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE_BYTES)
        sealed = nonce + AESGCM(key).encrypt(
            nonce, draft.value, _associated_data(draft.consumer, draft.message_id)
        )
    origin = draft.origin
    row = (
        await conn.exec_driver_sql(
            RECORD,
            (
                draft.consumer,
                draft.message_id,
                draft.reason[:2000],
                json.dumps(draft.errors, ensure_ascii=False),
                draft.attempts,
                failed_at,
                origin.topic if origin else "store",
                origin.partition if origin else None,
                origin.offset if origin else None,
                origin.key.decode(errors="replace") if origin and origin.key else None,
                draft.event_type,
                draft.stream_id,
                draft.stream_version,
                sealed,
            ),
        )
    ).one()
    letter_id = int(row[0])
    if key is not None:
        await conn.exec_driver_sql(SAVE_KEY, (letter_id, key))
    return letter_id


class ValueUnavailable(LookupError):
    """The letter keeps no readable value: a stored event's, or a resolved or discarded letter's."""


async def open_value(conn: AsyncConnection, letter_id: int) -> bytes:
    """A letter's message value, unsealed (for a retry)."""
    row: Any = (await conn.exec_driver_sql(LOAD_VALUE, (letter_id,))).first()
    if row is None:
        raise ValueUnavailable(f"no dead letter {letter_id}")
    consumer, message_id, sealed, key = row[0], row[1], row[2], row[3]
    if sealed is None or key is None:
        raise ValueUnavailable(f"dead letter {letter_id} keeps no readable value")
    sealed = bytes(sealed)
    value: bytes = AESGCM(bytes(key)).decrypt(
        sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _associated_data(consumer, message_id)
    )
    return value


class DeadLetterPublisher:
    """Puts a recorded letter on the dead-letter topic (after its row committed)."""

    def __init__(self, producer: AIOKafkaProducer, topic: str, clock: Clock) -> None:
        self.producer = producer
        self.topic = topic
        self.clock = clock

    async def send(
        self,
        *,
        consumer: str,
        origin: Origin | None,
        value: bytes,
        reason: str,
        attempts: int,
        errors: list[dict[str, Any]] | None = None,
        failed_at: datetime | None = None,
        letter_id: int | None = None,
    ) -> None:
        letter = DeadLetter(
            consumer=consumer,
            reason=reason,
            errors=errors or [],
            attempts=attempts,
            failed_at=format_timestamp(failed_at or self.clock.now()),
            letter_id=letter_id,
            original_topic=origin.topic if origin else "store",
            original_partition=origin.partition if origin else -1,
            original_offset=origin.offset if origin else -1,
            original_key=origin.key.decode(errors="replace") if origin and origin.key else None,
            original_headers={k: v.decode(errors="replace") for k, v in origin.headers} if origin else {},
            original_value_base64=base64.b64encode(value).decode(),
        )
        await self.producer.send_and_wait(
            self.topic,
            value=json.dumps(letter.model_dump(), ensure_ascii=False).encode(),
            key=origin.key if origin else None,
            headers=[("consumer", consumer.encode()), ("reason", reason[:200].encode())],
        )
