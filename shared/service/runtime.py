"""What every service process holds: engine, store, broker, producer, relay, consumers.

A service's composition root (`services/<name>/main.py`) builds one Runtime, registers its
handlers and routes on it, and hands the FastAPI app to uvicorn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from faststream.kafka import KafkaBroker
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.audit.checkpoint import AuditCheckpoint
from shared.audit.keys import load_signing_key
from shared.audit.maker import CheckpointMaker, kafka_publisher
from shared.clock import Clock, SystemClock
from shared.db.engine import create_engine
from shared.events import RecordedEvent
from shared.eventstore import PostgresEventStore
from shared.messaging.catch_up import StoreCatchUp
from shared.messaging.consumer import Consumer
from shared.messaging.dead_letters import DeadLetter, DeadLetterPublisher
from shared.messaging.event_routes import ExtraRoutes, no_extra_routes
from shared.messaging.producer import make_producer
from shared.messaging.relay import OutboxRelay
from shared.settings import SERVICE_NAMES, Settings

log = logging.getLogger(__name__)

MetricSource = Callable[[AsyncConnection], Awaitable[list[Any]]]


class _LateProducer:
    """Stands in for the producer until start() creates it inside the running loop."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def __getattr__(self, name: str) -> object:
        if self._runtime._producer is None:
            raise RuntimeError("the service has not started yet")
        return getattr(self._runtime._producer, name)


@dataclass
class Runtime:
    name: str
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    extra_routes: ExtraRoutes = no_extra_routes
    run_relay: bool = True
    run_catch_up: bool = True
    """False leaves catching up from the store to explicit ``catch_up()`` calls (tests that count
    Kafka deliveries)."""

    def __post_init__(self) -> None:
        if self.name in SERVICE_NAMES:  # a service connects as its own login role
            self.settings = self.settings.as_role(self.name)
        self.engine: AsyncEngine = create_engine(
            self.settings.database_url, application_name=f"tousu-{self.name}"
        )
        self.store = PostgresEventStore(self.engine)
        self.broker = KafkaBroker(
            self.settings.kafka_bootstrap,
            client_id=f"tousu-{self.name}",
            acks="all",
            enable_idempotence=self.settings.kafka_idempotence,
            logger=logging.getLogger(f"faststream.{self.name}"),
        )
        self._document_publications()
        self._producer: AIOKafkaProducer | None = None
        self.producer: AIOKafkaProducer = _LateProducer(self)  # type: ignore[assignment,unused-ignore]
        self.dead_letters = DeadLetterPublisher(self.producer, self.settings.topic_dead_letters, self.clock)
        self.relay: OutboxRelay | None = None
        self.checkpoint_maker: CheckpointMaker | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.consumers: list[Consumer] = []
        self.catch_ups: list[StoreCatchUp] = []
        self._background: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self.metric_sources: list[MetricSource] = []
        """Service-specific GET /metrics figures, read from the service's own tables."""
        self._broker_start: asyncio.Task[None] | None = None

    def _document_publications(self) -> None:
        """What the outbox relay and the dead-letter publisher send (for the AsyncAPI document)."""
        topics = self.settings
        self.broker.publisher(
            topics.topic_events,
            title=f"{topics.topic_events}:publish",
            description="Every complaint event, in commit order; key = complaint number.",
            schema=RecordedEvent,
        )
        self.broker.publisher(
            topics.topic_assignments,
            title=f"{topics.topic_assignments}:publish",
            description="ComplaintAssigned, ComplaintTransferred and ComplaintReopened, key = the "
            "department code that now owns (leads) the complaint; CooperationRequested, key = the "
            "co-operating department's code (协同). Departments filter on their key.",
            schema=RecordedEvent,
        )
        self.broker.publisher(
            topics.topic_audit_checkpoints,
            title=f"{topics.topic_audit_checkpoints}:publish",
            description="Signed checkpoints of the whole event store, one per sequence number, key "
            "`tousu-audit` (one partition, in order). Auditors keep every one (retention: forever) and "
            "verify the store against them: `tousu audit verify --checkpoint`. See docs/audit.md.",
            schema=AuditCheckpoint,
        )
        self.broker.publisher(
            topics.topic_dead_letters,
            title=f"{topics.topic_dead_letters}:publish",
            description="Messages a consumer gave up on, with the reason and their origin.",
            schema=DeadLetter,
        )

    def consumer(self, name: str | None = None) -> Consumer:
        consumer = Consumer(name or self.name, self.settings, self.engine, self.dead_letters, self.clock)
        self.consumers.append(consumer)
        self.catch_ups.append(StoreCatchUp(consumer))
        return consumer

    async def catch_up(self) -> None:
        """Every consumer, once: handle what Kafka did not deliver, retry what was asked to be."""
        for catch_up in self.catch_ups:
            await catch_up.once()

    def background(self, task: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run a long-lived task from start() to stop()."""
        self._background.append(task)

    async def start(self) -> None:
        """Start serving; never wait for the broker.

        The store is the truth and HTTP writes only need PostgreSQL, so a broker that is down
        (or not up yet) must not keep the service from starting: the producer, the relay and the
        Kafka subscribers connect in the background, retrying, while catch-up from the store
        already hands consumers what Kafka cannot. The first producer attempt is made here, so
        with a reachable broker everything is connected when start() returns, as before."""
        producer = await self._try_producer()
        if producer is not None:
            self._connected(producer)
        self._broker_start = asyncio.create_task(self._connect(), name=f"{self.name}-broker")
        self._tasks.append(self._broker_start)
        self._start_checkpoints()
        for task in self._background:
            self._tasks.append(asyncio.create_task(task(), name=f"{self.name}-{task.__name__}"))
        if self.run_catch_up:
            for catch_up in self.catch_ups:
                self._tasks.append(
                    asyncio.create_task(catch_up.run(), name=f"{self.name}-catch-up-{catch_up.consumer.name}")
                )
        log.info("service started", extra={"relay": self.run_relay, "broker": producer is not None})

    async def _try_producer(self) -> AIOKafkaProducer | None:
        producer = make_producer(self.settings, client_id=f"tousu-{self.name}")
        try:
            await producer.start()
        except KafkaError as error:
            await _bounded("producer", producer.stop())
            log.warning(
                "broker unreachable; serving without it and retrying",
                extra={"bootstrap": self.settings.kafka_bootstrap, "error": type(error).__name__},
            )
            return None
        return producer

    def _connected(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer
        if self.run_relay:
            self.relay = OutboxRelay(self.settings, self.engine, producer, extra_routes=self.extra_routes)
            self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.name}-relay"))

    async def _connect(self) -> None:
        """Producer first (with backoff), then the relay, then the subscribers' consumer groups."""
        delay = BROKER_RETRY_FIRST_SECONDS
        while self._producer is None:
            await asyncio.sleep(delay)
            delay = min(delay * 2, BROKER_RETRY_MAX_SECONDS)
            producer = await self._try_producer()
            if producer is not None:
                log.info("broker reachable; producer connected")
                self._connected(producer)
        delay = BROKER_RETRY_FIRST_SECONDS
        while True:
            try:
                await start_broker(self.broker)
                return
            except KafkaError as error:
                log.warning(
                    "consumer groups could not join; retrying",
                    extra={"error": type(error).__name__, "retry_in_seconds": delay},
                )
                await _bounded("broker", self.broker.stop())
                await asyncio.sleep(delay)
                delay = min(delay * 2, BROKER_RETRY_MAX_SECONDS)

    def _start_checkpoints(self) -> None:
        """Signed checkpoints of the store, every audit_checkpoint_interval_seconds, when this
        process holds a signing key (one process at a time makes them: see CheckpointMaker)."""
        if self.settings.audit_checkpoint_interval_seconds <= 0:
            return
        key = load_signing_key(self.settings)  # a key configured but unreadable stops the start
        if key is None:
            return
        self.checkpoint_maker = CheckpointMaker(
            self.settings,
            self.engine,
            key,
            # through the late-bound producer: with the broker down, publishing fails and is retried
            # on the next round, while the files are written regardless
            publish=kafka_publisher(self.producer, self.settings.topic_audit_checkpoints),
            clock=self.clock,
        )
        self._tasks.append(
            asyncio.create_task(self.checkpoint_maker.run(), name=f"{self.name}-audit-checkpoints")
        )

    async def stop(self) -> None:
        """Stop everything, each step bounded: a SIGTERM must end the process even when a broker
        or a task does not answer (whatever was not acknowledged is redelivered)."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            done, pending = await asyncio.wait(self._tasks, timeout=STOP_STEP_SECONDS)
            for task in done:  # retrieve a task's failure, so it is not reported as never retrieved
                if not task.cancelled():
                    task.exception()
            if pending:
                log.warning(
                    "tasks still running at shutdown",
                    extra={"tasks": sorted(task.get_name() for task in pending)},
                )
        self._tasks.clear()
        await _bounded("broker", self.broker.stop())
        if self._producer is not None:
            await _bounded("producer", self._producer.stop())
        await _bounded("database pool", self.engine.dispose())

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), 2)
            checks["database"] = "ok"
        except Exception as error:
            checks["database"] = f"unreachable: {type(error).__name__}"
        started = self._broker_start
        if started is None or not started.done():
            checks["kafka"] = (
                "starting: joining consumer groups" if self._producer is not None else "unreachable: retrying"
            )
        elif started.cancelled() or started.exception() is not None:
            checks["kafka"] = f"failed: {started.exception()!r}"
        else:
            try:
                reachable = await self.broker.ping(timeout=2)
                checks["kafka"] = "ok" if reachable else "unreachable"
            except Exception as error:
                checks["kafka"] = f"unreachable: {type(error).__name__}"
        return checks


async def start_broker(broker: KafkaBroker) -> None:
    """``KafkaBroker.start()``, its subscribers joining their consumer groups at the same time.

    Each subscriber's start waits for its group's first assignment, which takes seconds (tansu:
    about half the session timeout; Apache Kafka: ``group.initial.rebalance.delay.ms``): one after
    the other, a service with two subscribers would take twice as long to be ready."""
    await broker.connect()
    await asyncio.gather(*(subscriber.start() for subscriber in broker.subscribers))
    for publisher in broker.publishers:
        await publisher.start()
    broker.running = True


BROKER_RETRY_FIRST_SECONDS = 0.5
BROKER_RETRY_MAX_SECONDS = 15.0
"""Backoff between attempts to reach a broker that was down when the service started."""

STOP_STEP_SECONDS = 10.0
"""How long one shutdown step (tasks, broker, producer, database pool) may take."""


async def _bounded(step: str, stopping: Awaitable[Any]) -> None:
    try:
        await asyncio.wait_for(stopping, STOP_STEP_SECONDS)
    except TimeoutError:
        log.warning("shutdown step timed out", extra={"step": step, "seconds": STOP_STEP_SECONDS})
    except Exception as error:  # stopping anyway: report and go on with the next step
        log.warning("shutdown step failed", extra={"step": step, "error": type(error).__name__})
