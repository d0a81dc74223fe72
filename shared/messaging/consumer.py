"""The one consumer recipe every service uses.

A FastStream batch subscriber (explicit ack policy: the offsets are committed only after the
batch's transaction committed; ``auto_offset_reset=earliest``) hands each poll to a
:class:`Consumer`, which handles it in **one transaction**:

* stored events (``subscribe_events``): one statement claims each stream's new position in
  ``consumer_positions`` (see :mod:`shared.messaging.positions`) and says where the consumer
  stood; what it had handled is skipped, what Kafka never delivered is read from the store, and
  the handler gets, per stream, every event it subscribes to in stream order, exactly once in
  effect. Events of other types, and every event of streams of other categories (a consumer of
  complaints and an inspection's stream, see :mod:`shared.events.streams`), are passed over from
  their headers, never decoded; a stream of another category is not even read from the store.
* other messages (``subscribe``: channels' submissions, service volume): one ``processed_events``
  insert for the whole poll returns the message ids not seen before, handled in order.

The handlers of stored events follow one of two recipes: read models
:mod:`shared.messaging.projection`, handlers answering events with commands
:mod:`shared.messaging.complaint_reactions`.

A poll whose transaction fails is handled again one message at a time (each in its own
transaction, in order; bounded retries with backoff), so one poison message is dead-lettered
alone and its neighbours go through. A lost race with another writer (ConcurrencyError) is tried
again at once. The database or broker being unreachable is not poison: nothing is acknowledged
and the poll comes back. Whatever Kafka loses (a memory broker restarted, a topic recreated,
retention, offsets gone), :class:`shared.messaging.catch_up.StoreCatchUp` finds in the store and
hands to the same recipe.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry.trace import Link, SpanKind, get_current_span
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.clock import Clock, SystemClock
from shared.events import RecordedEvent, UnknownEventType
from shared.events.streams import stream_category
from shared.eventstore import ConcurrencyError, PostgresEventStore
from shared.eventstore.unit_of_work import IN_TRANSACTION_ATTEMPTS
from shared.messaging.dead_letters import DeadLetterPublisher, LetterDraft, record_letter
from shared.messaging.deliveries import EventDelivery, Origin, by_stream, category_of, origin_of, targets_of
from shared.messaging.failures import (
    InfrastructureUnavailable,
    PoisonMessage,
    error_details,
    failure_reason,
    is_infrastructure_failure,
    validation_reasons,
)
from shared.messaging.positions import claim, position
from shared.service.tracing import context_from, tracer
from shared.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "SUBSCRIBER_SCHEMAS",
    "Consumer",
    "Decoded",
    "HandlerContext",
    "PoisonMessage",
    "each",
    "failure_reason",
    "is_infrastructure_failure",
    "subscribe",
    "subscribe_events",
    "validation_reasons",
]

T = TypeVar("T")

SUBSCRIBER_SCHEMAS: dict[str, type[BaseModel]] = {}
"""AsyncAPI channel title → the model documenting its messages."""

MARK_PROCESSED = (
    "INSERT INTO processed_events (consumer, event_id) SELECT $1, unnest($2::text[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)
SEEN_LIMIT = 200_000
"""Streams a consumer remembers in memory (see ``Consumer._pass_over_known``)."""
RACE_RETRIES = 3
"""Immediate retries of a transaction that lost a race with another writer of a stream."""


@dataclass
class HandlerContext:
    """A consumer's transaction, as its handlers see it: a unit of work
    (:class:`shared.eventstore.unit_of_work.UnitOfWork`) that also says where the batch came from."""

    connection: AsyncConnection
    store: PostgresEventStore
    origin: Origin | None = None
    committed: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """What to do once the transaction has committed (see :meth:`after_commit`)."""

    @property
    def attempts(self) -> int:
        return IN_TRANSACTION_ATTEMPTS

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run ``action`` once this transaction commits, never if it rolls back: a side effect
        outside the database (a notification) happens at most once, after what records it."""
        self.committed.append(action)

    async def run_after_commit(self) -> None:
        actions, self.committed = self.committed, []
        for action in actions:
            try:
                await action()
            except Exception:  # what is committed stays; the failed side effect is only logged
                log.exception("an action after a consumer's commit failed")


@dataclass(frozen=True)
class Decoded(Generic[T]):
    value: T
    message_id: str
    trace: dict[str, str]
    label: str


EventsHandler = Callable[[Sequence[RecordedEvent], HandlerContext], Awaitable[None]]
"""Handles a batch of stored events: per stream, consecutive and in stream order."""
EventHandler = Callable[[RecordedEvent, HandlerContext], Awaitable[None]]
MessageHandler = Callable[[T, HandlerContext], Awaitable[None]]


def each(handler: EventHandler, name: str) -> EventsHandler:
    """A batch handler that runs ``handler`` on each event in turn, each in a span that continues
    the event's own trace (so what it appends carries that trace on)."""

    async def handle(events: Sequence[RecordedEvent], ctx: HandlerContext) -> None:
        spans = tracer(name)
        topic = ctx.origin.topic if ctx.origin is not None else "store"
        for event in events:
            with spans.start_as_current_span(
                f"{name} handle {event.type}",
                context=context_from(event.trace),
                kind=SpanKind.CONSUMER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.destination.name": topic,
                    "messaging.message.id": str(event.event_id),
                    "tousu.stream_id": event.stream_id,
                    "tousu.stream_version": event.stream_version,
                },
            ):
                try:
                    await handler(event, ctx)
                except UnknownEventType as unknown:
                    raise PoisonMessage(str(unknown)) from unknown

    return handle


@dataclass(frozen=True)
class EventSubscription:
    handler: EventsHandler
    types: frozenset[str] | None
    """The event types handled; None: every type."""
    per_stream: bool
    """One transaction per stream instead of one per poll: for handlers that append to the
    streams they handle, which then race only with writers of the same complaint, and briefly."""
    categories: frozenset[str] | None = None
    """The stream categories handled (:mod:`shared.events.streams`); None: every category."""

    def takes(self, category: str) -> bool:
        """Whether the consumer handles streams of this category at all."""
        return self.categories is None or category in self.categories

    def wants(self, event_type: str, category: str) -> bool:
        return self.takes(category) and (self.types is None or event_type in self.types)


@dataclass(frozen=True)
class MessageSubscription(Generic[T]):
    handler: MessageHandler[T]
    decode: Callable[[bytes], Decoded[T]]


@dataclass(frozen=True)
class _Failure:
    error: Exception
    attempts: int


@dataclass
class _Tally:
    duplicates: int = 0
    filled: int = 0
    passed_over: int = 0


@dataclass
class _Message(Generic[T]):
    decoded: Decoded[T]
    value: bytes
    origin: Origin | None


class Consumer:
    """One consumer group of one service: its subscription, its positions, its dead letters."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        engine: AsyncEngine,
        dead_letters: DeadLetterPublisher,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.engine = engine
        self.store = PostgresEventStore(engine)
        self.dead_letters = dead_letters
        self.clock = clock or SystemClock()
        self.events: EventSubscription | None = None
        self.messages: MessageSubscription[Any] | None = None
        self.processed = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.filled = 0
        """Events read from the store because Kafka had not delivered them (gaps, catch-up)."""
        self.passed_over = 0
        """Events of types this consumer does not handle (its position moved past them)."""
        self._tried_alone: tuple[str, int] | None = None
        self._handling = asyncio.Lock()
        self._seen: dict[str, int] = {}
        """Per stream, the version up to which this process has handled or passed over every
        event (committed): events of types not handled move only this, not the durable position."""
        """The (stream, version) of the last transaction's only handled event, if it had one."""

    @property
    def group_id(self) -> str:
        """The Kafka consumer group: shared by every instance of the service, one per deployment."""
        return f"{self.settings.consumer_group_prefix}-{self.name}"

    # ---- stored events ----------------------------------------------------------------------

    async def handle_event_records(self, records: Iterable[Any]) -> None:
        """A poll of the events topic (aiokafka ConsumerRecords)."""
        deliveries: list[EventDelivery] = []
        for record in records:
            try:
                deliveries.append(EventDelivery.from_record(record))
            except ValidationError as error:
                await self._dead_letter_message(
                    record.value or b"", origin_of(record), "invalid message", 1, validation_reasons(error)
                )
            except (ValueError, UnicodeDecodeError) as error:
                await self._dead_letter_message(
                    record.value or b"",
                    origin_of(record),
                    f"undecodable event: {type(error).__name__}",
                    1,
                    [],
                )
        await self.handle_events(deliveries)

    async def handle_events(self, deliveries: Sequence[EventDelivery]) -> None:
        """Handle stored events, from Kafka or from the store, each exactly once in effect.

        One batch at a time per consumer in this process: the Kafka path and the catch-up would
        otherwise wait on each other's row locks for the same streams, and do the work twice."""
        subscription = self._event_subscription()
        if not deliveries:
            return
        async with self._handling:
            for unit in self._units(deliveries, subscription):
                await self._run_unit(unit)

    def _event_subscription(self) -> EventSubscription:
        if self.events is None:
            raise RuntimeError(f"consumer {self.name} has no event subscription")
        return self.events

    @staticmethod
    def _units(
        deliveries: Sequence[EventDelivery], subscription: EventSubscription
    ) -> list[list[EventDelivery]]:
        if not subscription.per_stream:
            return [list(deliveries)]
        handled = [
            s
            for s, versions in by_stream(deliveries).items()
            if any(subscription.wants(d.type, d.category) for d in versions.values())
        ]
        wanted = set(handled)
        units = [[d for d in deliveries if d.stream_id == stream] for stream in handled]
        rest = [d for d in deliveries if d.stream_id not in wanted]
        return [*units, rest] if rest else units

    async def _run_unit(self, unit: list[EventDelivery]) -> None:
        error = await self._together(lambda: self._event_transaction(unit))
        if error is None:
            return
        alone = self._tried_alone
        if alone is not None and len(unit) == 1 and alone == (unit[0].stream_id, unit[0].version):
            await self._single(unit[0], first_failure=error)  # no neighbours: that was its first attempt
        else:
            await self._one_by_one(unit)

    async def _together(self, transaction: Callable[[], Awaitable[None]]) -> Exception | None:
        """A poll's transaction, again at once after a lost race; None when it committed, else
        the error that sends the poll one message at a time (an outage is raised instead)."""
        for attempt in range(1, RACE_RETRIES + 1):
            try:
                await transaction()
                return None
            except ConcurrencyError as race:
                if attempt == RACE_RETRIES:
                    return race
            except Exception as error:
                self._raise_if_unreachable(error)
                return error
        raise AssertionError("unreachable")

    async def _event_transaction(self, unit: Sequence[EventDelivery]) -> None:
        subscription = self._event_subscription()
        tally = _Tally()
        self._tried_alone = None
        unit = self._pass_over_known(unit, subscription)
        work: list[RecordedEvent] = []
        if unit:
            async with self.engine.begin() as conn:
                store = self.store.bound(conn)
                targets = targets_of(unit)
                previous = await claim(conn, self.name, targets)
                work = await self._in_order(unit, previous, store, subscription, tally)
                self._tried_alone = (work[0].stream_id, work[0].stream_version) if len(work) == 1 else None
                if work:
                    origin = next((d.origin for d in unit if d.origin is not None), None)
                    ctx = HandlerContext(conn, store, origin)
                    await self._traced(subscription.handler, work, ctx)
            self._remember(targets)
            if work:
                await ctx.run_after_commit()
        # counted once committed: a transaction tried again is not counted twice
        self.processed += len(work)
        self.duplicates += tally.duplicates
        self.filled += tally.filled
        self.passed_over += tally.passed_over

    def _pass_over_known(
        self, unit: Sequence[EventDelivery], subscription: EventSubscription
    ) -> list[EventDelivery]:
        """Settle in memory the streams of the unit that need nothing of the database: a stream
        of a category the consumer does not handle, or one whose every delivery is a type the
        consumer does not handle, or one it saw already, following on from what this process saw
        of the stream. What is not handled has no effect to keep atomic, so its place in the
        stream is only remembered here (``_seen``); the durable position moves with the next
        event handled (never, for a category not handled: the catch-up passes those over too).
        Returns the deliveries that need the database.
        """
        rest: list[EventDelivery] = []
        for stream_id, delivered in by_stream(unit).items():
            seen = self._seen.get(stream_id, 0)
            top = max(delivered)
            new = range(seen + 1, top + 1)
            copies = sum(1 for d in unit if d.stream_id == stream_id)
            if not subscription.takes(category_of(delivered)):
                # nothing of the stream is handled: the versions not delivered need no reading
                self.duplicates += copies - sum(1 for v in delivered if v > seen)
            elif all(
                v in delivered and not subscription.wants(delivered[v].type, delivered[v].category)
                for v in new
            ):
                self.duplicates += copies - len(new)
            else:
                rest.extend(d for d in unit if d.stream_id == stream_id)
                continue
            # settled here and now, whatever becomes of the rest of the unit: counted at once
            self.passed_over += len(new)
            if top > seen:
                self._seen[stream_id] = top
        return rest

    def _remember(self, targets: dict[str, int]) -> None:
        """After a commit: every version up to each target has been handled or passed over."""
        if len(self._seen) + len(targets) > SEEN_LIMIT:
            self._seen.clear()  # forgetting costs a store read at a stream's next gap, nothing more
        for stream_id, top in targets.items():
            if top > self._seen.get(stream_id, 0):
                self._seen[stream_id] = top

    async def _traced(self, handler: EventsHandler, work: list[RecordedEvent], ctx: HandlerContext) -> None:
        # The batch's span links to every event's trace; `each` continues each event's own trace.
        links = [Link(get_current_span(context_from(e.trace)).get_span_context()) for e in work if e.trace]
        with tracer(self.name).start_as_current_span(
            f"{self.name} handle a batch",
            kind=SpanKind.INTERNAL,
            links=[link for link in links if link.context.is_valid],
            attributes={"messaging.system": "kafka", "messaging.batch.message_count": len(work)},
        ):
            await handler(work, ctx)

    async def _in_order(
        self,
        unit: Sequence[EventDelivery],
        previous: dict[str, int],
        store: PostgresEventStore,
        subscription: EventSubscription,
        tally: _Tally,
    ) -> list[RecordedEvent]:
        """The events to handle: per stream, every version after the consumer's position up to
        the highest delivered, those Kafka did not bring read from the store, of the types the
        consumer subscribes to."""
        work: list[RecordedEvent] = []
        copies = Counter(delivery.stream_id for delivery in unit)
        for stream_id, delivered in by_stream(unit).items():
            # what this process passed over in memory after the durable position: types not handled
            start = max(previous.get(stream_id, 0), self._seen.get(stream_id, 0))
            top = max(delivered)
            if not subscription.takes(category_of(delivered)):
                tally.passed_over += max(0, top - start)  # a category not handled: not even read
                continue
            # a delivery at or below the position, or a second copy in the same poll
            tally.duplicates += copies[stream_id] - sum(1 for version in delivered if version > start)
            if top <= start:
                continue
            missing = [v for v in range(start + 1, top) if v not in delivered]
            stored: dict[int, RecordedEvent] = {}
            if missing:
                stored = {
                    e.stream_version: e
                    for e in await store.read_stream(stream_id, from_version=missing[0])
                    if e.stream_version < top
                }
                absent = [v for v in missing if v not in stored]
                if absent:
                    raise PoisonMessage(
                        f"stream {stream_id}: versions {absent[0]}..{absent[-1]} are not in the store, "
                        f"yet version {top} was delivered"
                    )
                tally.filled += len(missing)
            for version in range(start + 1, top + 1):
                delivery = delivered.get(version)
                event_type = delivery.type if delivery is not None else stored[version].type
                if not subscription.wants(event_type, stream_category(stream_id)):
                    tally.passed_over += 1
                    continue
                work.append(delivery.event if delivery is not None else stored[version])
        return work

    async def _one_by_one(self, unit: Sequence[EventDelivery]) -> None:
        """Each event of the unit in its own transaction, in stream order (gaps filled from the
        store first), with bounded retries; one that keeps failing is dead-lettered alone."""
        subscription = self._event_subscription()
        for stream_id, delivered in by_stream(unit).items():
            if not subscription.takes(category_of(delivered)):
                self._pass_over_known(list(delivered.values()), subscription)
                continue
            async with self.engine.connect() as conn:
                start = await position(conn, self.name, stream_id)
            top = max(delivered)
            stored: dict[int, RecordedEvent] | None = None
            for version in range(start + 1, top + 1):
                delivery = delivered.get(version)
                if delivery is None:
                    if stored is None:
                        stored = {
                            e.stream_version: e for e in await self.store.read_stream(stream_id, start + 1)
                        }
                    if version not in stored:
                        continue  # not in the store: the delivered event's own transaction names it
                    delivery = EventDelivery.from_store(stored[version])
                await self._single(delivery)

    async def _single(self, delivery: EventDelivery, first_failure: Exception | None = None) -> None:
        """One event in its own transaction, up to ``consumer_max_attempts`` times (the first
        already made when ``first_failure`` is given), then dead-lettered."""
        subscription = self._event_subscription()
        if first_failure is None and subscription.wants(delivery.type, delivery.category):
            try:
                delivery.event  # noqa: B018 (decode now: an undecodable event is poison, not retried)
            except ValidationError as error:
                await self._dead_letter_event(delivery, "invalid event", 1, validation_reasons(error))
                return
            except (ValueError, UnicodeDecodeError) as error:
                await self._dead_letter_event(delivery, f"undecodable event: {type(error).__name__}", 1, [])
                return
        failure = await self._attempts(
            lambda: self._event_transaction([delivery]), delivery.event_id, first_failure
        )
        if failure is not None:
            poison = failure.error if isinstance(failure.error, PoisonMessage) else None
            await self._dead_letter_event(
                delivery,
                poison.reason if poison else failure_reason(failure.error),
                failure.attempts,
                poison.errors if poison else error_details(failure.error),
            )

    async def _dead_letter_event(
        self, delivery: EventDelivery, reason: str, attempts: int, errors: list[dict[str, Any]]
    ) -> None:
        """Move the consumer past the event and record why, atomically; then tell the topic."""
        draft = LetterDraft(
            consumer=self.name,
            message_id=delivery.event_id,
            reason=reason,
            attempts=attempts,
            origin=delivery.origin,
            errors=errors,
            event_type=delivery.type,
            stream_id=delivery.stream_id,
            stream_version=delivery.version,
        )
        failed_at = self.clock.now()
        async with self.engine.begin() as conn:
            previous = await claim(conn, self.name, {delivery.stream_id: delivery.version})
            if previous[delivery.stream_id] >= delivery.version:
                return  # handled meanwhile (another instance, or the catch-up)
            letter_id = await record_letter(conn, draft, failed_at)
        self.dead_lettered += 1
        value = delivery.value if delivery.value is not None else delivery.event.to_wire()
        await self._announce(draft, value, failed_at, letter_id)

    # ---- other messages ---------------------------------------------------------------------

    async def handle_message_records(self, records: Iterable[Any]) -> None:
        """A poll of a topic of plain messages (aiokafka ConsumerRecords)."""
        subscription = self._message_subscription()
        messages: list[_Message[Any]] = []
        for record in records:
            origin, value = origin_of(record), record.value or b""
            try:
                messages.append(_Message(subscription.decode(value), value, origin))
            except ValidationError as error:
                await self._dead_letter_message(
                    value, origin, "invalid message", 1, validation_reasons(error)
                )
            except PoisonMessage as poison:
                parked = poison.parked if poison.parked is not None else value
                await self._dead_letter_message(parked, origin, poison.reason, 1, poison.errors)
            except (ValueError, UnicodeDecodeError) as error:
                await self._dead_letter_message(
                    value, origin, f"undecodable message: {type(error).__name__}", 1, []
                )
        await self.handle_messages(messages)

    def _message_subscription(self) -> MessageSubscription[Any]:
        if self.messages is None:
            raise RuntimeError(f"consumer {self.name} has no message subscription")
        return self.messages

    async def handle_messages(self, messages: Sequence[_Message[Any]]) -> None:
        if not messages:
            return
        async with self._handling:
            await self._handle_messages(messages)

    async def _handle_messages(self, messages: Sequence[_Message[Any]]) -> None:
        error = await self._together(lambda: self._message_transaction(messages))
        if error is None:
            return
        if len(messages) == 1 and not isinstance(error, ConcurrencyError):
            await self._single_message(messages[0], first_failure=error)  # no neighbours: its first attempt
            return
        for message in messages:
            await self._single_message(message)

    async def _message_transaction(self, messages: Sequence[_Message[Any]]) -> None:
        subscription = self._message_subscription()
        firsts: dict[str, _Message[Any]] = {}
        for message in messages:
            firsts.setdefault(message.decoded.message_id, message)
        contexts: list[HandlerContext] = []
        async with self.engine.begin() as conn:
            marked = await conn.exec_driver_sql(MARK_PROCESSED, (self.name, list(firsts)))
            new = {row[0] for row in marked.all()}
            store = self.store.bound(conn)
            for message_id, message in firsts.items():
                if message_id not in new:
                    continue
                with tracer(self.name).start_as_current_span(
                    f"{self.name} handle {message.decoded.label}",
                    context=context_from(message.decoded.trace),
                    kind=SpanKind.CONSUMER,
                    attributes={"messaging.system": "kafka", "messaging.message.id": message_id},
                ):
                    contexts.append(HandlerContext(conn, store, message.origin))
                    await subscription.handler(message.decoded.value, contexts[-1])
        for context in contexts:
            await context.run_after_commit()
        self.processed += len(new)
        self.duplicates += len(messages) - len(new)

    async def _single_message(self, message: _Message[Any], first_failure: Exception | None = None) -> None:
        message_id = message.decoded.message_id
        failure = await self._attempts(
            lambda: self._message_transaction([message]), message_id, first_failure
        )
        if failure is None:
            return
        if isinstance(failure.error, PoisonMessage):
            poison = failure.error
            parked = poison.parked if poison.parked is not None else message.value
            await self._dead_letter_message(
                parked, message.origin, poison.reason, failure.attempts, poison.errors, message_id
            )
        else:
            await self._dead_letter_message(
                message.value,
                message.origin,
                failure_reason(failure.error),
                failure.attempts,
                error_details(failure.error),
                message_id,
            )

    async def _dead_letter_message(
        self,
        value: bytes,
        origin: Origin | None,
        reason: str,
        attempts: int,
        errors: list[dict[str, Any]],
        message_id: str | None = None,
    ) -> None:
        draft = LetterDraft(
            consumer=self.name,
            message_id=message_id or (origin.message_ref if origin else "unknown"),
            reason=reason,
            attempts=attempts,
            origin=origin,
            errors=errors,
            value=value,
        )
        failed_at = self.clock.now()
        try:
            async with self.engine.begin() as conn:
                letter_id = await record_letter(conn, draft, failed_at)
        except Exception as error:
            self._raise_if_unreachable(error)
            raise
        self.dead_lettered += 1
        await self._announce(draft, value, failed_at, letter_id)

    # ---- shared -----------------------------------------------------------------------------

    async def _announce(self, draft: LetterDraft, value: bytes, failed_at: Any, letter_id: int) -> None:
        """The dead-letter topic, after the row committed; the row is the record, so a broker
        that cannot take it now costs nothing but the announcement."""
        try:
            await self.dead_letters.send(
                consumer=self.name,
                origin=draft.origin,
                value=value,
                reason=draft.reason,
                attempts=draft.attempts,
                errors=draft.errors,
                failed_at=failed_at,
                letter_id=letter_id,
            )
        except Exception as error:
            log.warning(
                "dead letter recorded, not announced on the topic",
                extra={"consumer": self.name, "letter_id": letter_id, "error": type(error).__name__},
            )
        # Never the value in the log: it may carry a complainant's personal data.
        origin = draft.origin
        log.warning(
            "message dead-lettered",
            extra={
                "consumer": self.name,
                "letter_id": letter_id,
                "reason": draft.reason,
                "topic": origin.topic if origin else "store",
                "partition": origin.partition if origin else None,
                "offset": origin.offset if origin else None,
                "stream_id": draft.stream_id,
                "stream_version": draft.stream_version,
            },
        )

    async def _attempts(
        self, transaction: Callable[[], Awaitable[None]], message_id: str, first_failure: Exception | None
    ) -> _Failure | None:
        """Up to ``consumer_max_attempts`` tries of one message's transaction (the first already
        made when ``first_failure`` is given), with backoff; a lost race is tried again at once.
        None when it committed; else the error that gave up, at once for a poison message."""
        attempts = self.settings.consumer_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                if attempt == 1 and first_failure is not None:
                    raise first_failure
                await transaction()
                return None
            except PoisonMessage as poison:
                return _Failure(poison, attempt)
            except Exception as error:
                self._raise_if_unreachable(error)
                if attempt == attempts:
                    return _Failure(error, attempt)
                if not isinstance(error, ConcurrencyError):  # a lost race: again at once, fresh state
                    await self._back_off(attempt, error, message_id)
        raise AssertionError("unreachable")

    async def _back_off(self, attempt: int, error: Exception, message_id: str) -> None:
        log.warning(
            "handler failed; will retry",
            extra={
                "consumer": self.name,
                "attempt": attempt,
                "error": type(error).__name__,
                "message_id": message_id,
            },
        )
        await asyncio.sleep(self.settings.consumer_backoff_seconds * 2 ** (attempt - 1))

    def _raise_if_unreachable(self, error: BaseException) -> None:
        """An outage is not poison: give up this poll (unacknowledged, it comes back)."""
        if is_infrastructure_failure(error):
            raise InfrastructureUnavailable(
                f"consumer {self.name}: database or broker unreachable ({failure_reason(error)})"
            ) from None


OUTAGE_PAUSE_SECONDS = 1.0


class _Offsets:
    """Kafka offsets of what a subscriber has handled, committed at most every ``interval``.

    The offsets only save redelivery: what was handled is known from the positions, committed
    with its effects, so a poll delivered again is skipped. They are committed after the poll's
    transaction, explicitly (never past a message not yet handled), not after every poll; a
    trailing commit follows the last poll of a burst.
    """

    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self.done: dict[TopicPartition, int] = {}
        self.last_commit = -interval
        self.trailing: asyncio.Task[None] | None = None

    async def handled(self, kafka: AIOKafkaConsumer, records: Sequence[Any]) -> None:
        for record in records:
            self.done[TopicPartition(record.topic, record.partition)] = record.offset + 1
        if time.monotonic() - self.last_commit >= self.interval:
            await self.commit(kafka)
        elif self.trailing is None or self.trailing.done():
            self.trailing = asyncio.create_task(self._commit_later(kafka))

    async def _commit_later(self, kafka: AIOKafkaConsumer) -> None:
        await asyncio.sleep(self.interval)
        await self.commit(kafka)

    async def commit(self, kafka: AIOKafkaConsumer) -> None:
        self.last_commit = time.monotonic()
        owned = kafka.assignment()
        offsets = {tp: offset for tp, offset in self.done.items() if tp in owned}
        if not offsets:
            return
        try:
            await kafka.commit(offsets)
        except Exception as error:  # a rebalance took the partition: its new owner goes on
            log.info("offsets not committed", extra={"consumer": self.name, "error": type(error).__name__})


"""How long a subscriber waits after an outage before its poll is fetched again."""


def _batch_subscriber(
    broker: KafkaBroker,
    consumer: Consumer,
    topic: str,
    on_records: Callable[[Iterable[Any]], Awaitable[None]],
    *,
    title: str,
    description: str,
) -> None:
    offsets = _Offsets(consumer.name, consumer.settings.consumer_commit_interval_seconds)

    async def on_batch(message: KafkaMessage) -> None:
        records = message.raw_message
        if not isinstance(records, tuple):
            records = (records,)
        try:
            await on_records(records)
        except InfrastructureUnavailable:
            await asyncio.sleep(OUTAGE_PAUSE_SECONDS)
            await message.nack()  # rewound: the poll is fetched again
            return
        except BaseException:
            await message.nack()
            raise
        await offsets.handled(message.consumer, records)

    broker.subscriber(
        topic,
        group_id=consumer.group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        batch=True,
        max_records=consumer.settings.consumer_batch_size,
        batch_timeout_ms=consumer.settings.consumer_batch_wait_ms,
        session_timeout_ms=consumer.settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(consumer.settings.consumer_session_timeout_ms // 3, 100),
        title=title,
        description=description,
    )(on_batch)


def subscribe(
    broker: KafkaBroker,
    consumer: Consumer,
    topic: str,
    handler: MessageHandler[T],
    decode: Callable[[bytes], Decoded[T]],
    *,
    title: str,
    description: str,
    schema: type[BaseModel] | None = None,
) -> None:
    """Subscribe ``consumer`` to a topic of plain messages (not stored events), each handled
    once per message id (``processed_events``).

    ``decode`` takes the raw bytes (a bad message becomes a dead letter, not a crash); ``schema``
    documents the message in the AsyncAPI document.
    """
    if schema is not None:
        SUBSCRIBER_SCHEMAS[title] = schema
    consumer.messages = MessageSubscription(handler, decode)
    _batch_subscriber(
        broker, consumer, topic, consumer.handle_message_records, title=title, description=description
    )


def subscribe_events(
    broker: KafkaBroker,
    consumer: Consumer,
    topic: str,
    handler: EventHandler | None = None,
    *,
    batch_handler: EventsHandler | None = None,
    types: Iterable[str] | None = None,
    categories: Iterable[str] | None,
    per_stream: bool = False,
    description: str,
) -> None:
    """Subscribe ``consumer`` to the stored events on ``topic``.

    ``handler`` takes one event at a time (in a span continuing its trace), ``batch_handler`` a
    whole batch (per stream, consecutive and in order); either way inside the transaction that
    moves the consumer's positions. ``types``: the event types handled (others only move the
    positions, undecoded). ``categories``: the stream categories handled, always said
    (``{streams.COMPLAINT}`` for a consumer of complaints; None: every category): the topic
    carries streams of every category, and those of others are passed over unread.
    ``per_stream``: one transaction per stream (for handlers that append).
    """
    if (handler is None) == (batch_handler is None):
        raise TypeError("give exactly one of handler and batch_handler")
    handle = batch_handler if batch_handler is not None else each(handler, consumer.name)  # type: ignore[arg-type]
    consumer.events = EventSubscription(
        handle,
        frozenset(types) if types is not None else None,
        per_stream,
        frozenset(categories) if categories is not None else None,
    )
    title = f"{topic}:{consumer.name}"
    SUBSCRIBER_SCHEMAS[title] = RecordedEvent
    _batch_subscriber(
        broker, consumer, topic, consumer.handle_event_records, title=title, description=description
    )
