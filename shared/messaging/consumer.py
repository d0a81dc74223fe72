"""The one consumer recipe every service uses.

FastStream subscriber, explicit ack policy (the offset is committed only after the handler's
transaction committed), earliest offset, idempotent by message id recorded in the same
transaction as the handler's effects, bounded retries with backoff, poison messages to the
dead-letter topic. Infrastructure failures (database or broker unreachable) are not poison:
the message is not acknowledged and comes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry.trace import SpanKind
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, StatementError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.events import RecordedEvent, UnknownEventType
from shared.eventstore import ConcurrencyError, PostgresEventStore
from shared.messaging.dead_letters import DeadLetterPublisher, Origin
from shared.service.tracing import context_from, tracer
from shared.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

SUBSCRIBER_SCHEMAS: dict[str, type[BaseModel]] = {}
"""AsyncAPI channel title → the model documenting its messages."""

MARK_PROCESSED = text(
    "INSERT INTO processed_events (consumer, event_id) VALUES (:consumer, :id) "
    "ON CONFLICT DO NOTHING RETURNING 1"
)


class PoisonMessage(Exception):
    """Raise from a handler for a message that can never succeed: dead-lettered at once.

    ``parked``: what the dead letter keeps instead of the message's value, when the value must
    not be kept (an anonymous submission that wrongly names its sender)."""

    def __init__(
        self, reason: str, errors: list[dict[str, Any]] | None = None, parked: bytes | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.errors = errors or []
        self.parked = parked


def is_infrastructure_failure(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError | ConnectionError | OSError | TimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def validation_reasons(error: ValidationError) -> list[dict[str, Any]]:
    """Field-level reasons without the offending values (they may be personal data)."""
    return [
        {"field": ".".join(str(p) for p in e["loc"]), "type": e["type"], "message": e["msg"]}
        for e in error.errors(include_input=False, include_url=False)
    ]


def failure_reason(error: Exception) -> str:
    """Why a handler failed, without the values it was working on (they may be personal data).

    SQLAlchemy's message quotes the statement's parameters (and PostgreSQL's DETAIL the row);
    pydantic's quotes the offending input: those are described by type and code only.
    """
    if isinstance(error, StatementError):
        orig = error.orig
        if orig is None:
            return type(error).__name__
        state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
        return f"{type(error).__name__} ({type(orig).__name__}, SQLSTATE {state})"
    if isinstance(error, ValidationError):
        return f"ValidationError: invalid {error.title}, {error.error_count()} error(s)"
    return f"{type(error).__name__}: {error}"


@dataclass
class HandlerContext:
    connection: AsyncConnection
    store: PostgresEventStore
    origin: Origin


@dataclass(frozen=True)
class Decoded(Generic[T]):
    value: T
    message_id: str
    trace: dict[str, str]
    label: str


Handler = Callable[[T, HandlerContext], Awaitable[None]]


class IdempotentConsumer:
    def __init__(
        self,
        name: str,
        settings: Settings,
        engine: AsyncEngine,
        dead_letters: DeadLetterPublisher,
    ) -> None:
        self.name = name
        self.settings = settings
        self.engine = engine
        self.store = PostgresEventStore(engine)
        self.dead_letters = dead_letters
        self.processed = 0
        self.duplicates = 0
        self.dead_lettered = 0

    @property
    def group_id(self) -> str:
        """The Kafka consumer group: shared by every instance of the service, one per deployment."""
        return f"{self.settings.consumer_group_prefix}-{self.name}"

    async def process(
        self, value: bytes, origin: Origin, decoded: Decoded[T], handler: Handler[T], *, ignored: bool = False
    ) -> str:
        """Run the handler once per message id; returns processed, duplicate or dead-lettered.

        ``ignored``: the handler would do nothing with this message (an event type it does not
        subscribe to). It is still recorded as processed, by that one INSERT in autocommit: a
        transaction of one statement, which saves the BEGIN and COMMIT round trips.
        """
        attempts = self.settings.consumer_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                with tracer(self.name).start_as_current_span(
                    f"{self.name} handle {decoded.label}",
                    context=context_from(decoded.trace),
                    kind=SpanKind.CONSUMER,
                    attributes={
                        "messaging.system": "kafka",
                        "messaging.destination.name": origin.topic,
                        "messaging.kafka.partition": origin.partition,
                        "messaging.kafka.offset": origin.offset,
                        "messaging.message.id": decoded.message_id,
                    },
                ):
                    if ignored:
                        async with self.engine.connect() as conn:
                            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                            if not await self._mark_processed(conn, decoded.message_id):
                                self.duplicates += 1
                                return "duplicate"
                    else:
                        async with self.engine.begin() as conn:
                            if not await self._mark_processed(conn, decoded.message_id):
                                self.duplicates += 1
                                return "duplicate"
                            await handler(decoded.value, HandlerContext(conn, self.store.bound(conn), origin))
                self.processed += 1
                return "processed"
            except PoisonMessage as poison:
                parked = poison.parked if poison.parked is not None else value
                await self._dead_letter(parked, origin, poison.reason, attempt, poison.errors)
                return "dead-lettered"
            except Exception as error:
                if is_infrastructure_failure(error):
                    raise  # not acknowledged: redelivered once the database or broker is back
                if attempt == attempts:
                    errors = validation_reasons(error) if isinstance(error, ValidationError) else []
                    await self._dead_letter(value, origin, failure_reason(error), attempt, errors)
                    return "dead-lettered"
                if isinstance(error, ConcurrencyError):
                    continue  # another writer moved the stream: retry at once on fresh state
                log.warning(
                    "handler failed; will retry",
                    extra={
                        "consumer": self.name,
                        "attempt": attempt,
                        "error": type(error).__name__,
                        "message_id": decoded.message_id,
                    },
                )
                await asyncio.sleep(self.settings.consumer_backoff_seconds * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def _mark_processed(self, conn: AsyncConnection, message_id: str) -> bool:
        """False when this consumer has processed the message already."""
        marked = await conn.execute(MARK_PROCESSED, {"consumer": self.name, "id": message_id})
        return marked.first() is not None

    async def _dead_letter(
        self, value: bytes, origin: Origin, reason: str, attempts: int, errors: list[dict[str, Any]]
    ) -> None:
        await self.dead_letters.send(
            consumer=self.name, origin=origin, value=value, reason=reason, attempts=attempts, errors=errors
        )
        self.dead_lettered += 1


def origin_of(message: Any) -> Origin:
    record = message.raw_message
    return Origin(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        headers=tuple(record.headers or ()),
    )


def decode_event(value: bytes) -> Decoded[RecordedEvent]:
    event = RecordedEvent.from_wire(value)
    return Decoded(event, str(event.event_id), event.trace, event.type)


def subscribe(
    broker: KafkaBroker,
    consumer: IdempotentConsumer,
    topic: str,
    handler: Handler[T],
    decode: Callable[[bytes], Decoded[T]],
    *,
    title: str,
    description: str,
    schema: type[BaseModel] | None = None,
    ignores: Callable[[T], bool] | None = None,
) -> None:
    """Register a FastStream subscriber running `handler` through `consumer`.

    The handler takes the raw bytes (so a bad message becomes a dead letter, not a crash);
    `schema` documents the message in the AsyncAPI document instead. `ignores`: the decoded
    messages the handler would do nothing with (only recorded as processed, see ``process``).
    """
    if schema is not None:
        SUBSCRIBER_SCHEMAS[title] = schema

    async def on_message(message: KafkaMessage) -> None:
        origin = origin_of(message)
        value = message.body
        try:
            decoded = decode(value)
        except ValidationError as error:
            await consumer._dead_letter(value, origin, "invalid message", 1, validation_reasons(error))
            return
        except PoisonMessage as poison:
            parked = poison.parked if poison.parked is not None else value
            await consumer._dead_letter(parked, origin, poison.reason, 1, poison.errors)
            return
        except (ValueError, UnicodeDecodeError) as error:
            await consumer._dead_letter(value, origin, f"undecodable message: {type(error).__name__}", 1, [])
            return
        ignored = ignores is not None and ignores(decoded.value)
        await consumer.process(value, origin, decoded, handler, ignored=ignored)

    broker.subscriber(
        topic,
        group_id=consumer.group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=title,
        description=description,
    )(on_message)


def subscribe_events(
    broker: KafkaBroker,
    consumer: IdempotentConsumer,
    topic: str,
    handler: Handler[RecordedEvent],
    *,
    types: Iterable[str] | None = None,
    description: str,
) -> None:
    """Subscribe to complaint events; those of other types are acknowledged and skipped."""
    wanted = frozenset(types) if types is not None else None

    async def filtered(event: RecordedEvent, ctx: HandlerContext) -> None:
        if wanted is None or event.type in wanted:
            try:
                await handler(event, ctx)
            except UnknownEventType as unknown:
                raise PoisonMessage(str(unknown)) from unknown

    subscribe(
        broker,
        consumer,
        topic,
        filtered,
        decode_event,
        title=f"{topic}:{consumer.name}",
        description=description,
        schema=RecordedEvent,
        ignores=None if wanted is None else lambda event: event.type not in wanted,
    )
