"""Prometheus metrics of a service process: GET /metrics in the Prometheus text format.

Unauthenticated like /healthz (it carries counts only, never complaint data); keep it off the
public network. Every app registers its own registry (no process-global state, so several apps
can share a test process). What is exported:

* HTTP: ``tousu_http_requests_total{method,route,status}`` and
  ``tousu_http_request_duration_seconds{method,route}`` (route = the path template, e.g.
  ``/v1/complaints/{complaint_no}``; unmatched paths count as ``unmatched``).
* Consumers (this process): ``tousu_consumer_messages_total{consumer,outcome}`` with outcome
  processed / duplicate / dead_lettered / filled (events read from the store because Kafka had
  not delivered them: a gap in a stream) / passed_over (events of types the consumer does not
  handle: its position moved past them); ``tousu_consumer_caught_up_total{consumer}`` (events
  the consumer's catch-up loop handled from the store because Kafka never delivered them); and
  ``tousu_consumer_lag{consumer,topic,partition}`` = the partition's high watermark − the
  consumer's position (only for partitions assigned to this process whose high watermark the
  consumer has seen).
* Dead letters, read at scrape time: ``tousu_dead_letters{consumer,status}`` (this service's
  consumers; status open, retrying, resolved, discarded; 0 when none).
* Relay: ``tousu_relay_published_total`` (events this process's relay published),
  ``tousu_relay_leader`` (1 when this process holds the relay lock); store-wide, read at scrape
  time: ``tousu_outbox_backlog`` (committed events after the relay checkpoint, i.e. not yet on
  Kafka) and ``tousu_eventstore_last_position`` (highest global position: its rate is the rate
  of events appended by all services).
* SLA service: ``tousu_sla_open_deadlines{stage,state}`` (running clocks; state on_time, warned,
  breached) and ``tousu_sla_breaches_total{stage}`` (deadlines ever breached), from its table.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.messaging.dead_letter_admin import LetterStatus, count_letters
from shared.messaging.relay import CHECKPOINT
from shared.service.runtime import Runtime

log = logging.getLogger(__name__)

OUTBOX_BACKLOG = text(
    "SELECT count(*) FROM events e "
    "WHERE (e.tx_id, e.global_position) > "
    "(SELECT coalesce(max(c.tx_id), 0), coalesce(max(c.global_position), 0) "
    "FROM follower_checkpoints c WHERE c.name = :name)"
)
LAST_POSITION = text("SELECT coalesce(max(global_position), 0) FROM events")
SCRAPE_TIMEOUT = 5.0


@dataclass(eq=False)
class _Families(Collector):
    """Yields the families computed by the last refresh (the registry's collectors are sync)."""

    families: list[Metric]

    def collect(self) -> Iterator[Metric]:
        yield from self.families


class ServiceMetrics:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "tousu_http_requests",
            "HTTP requests served, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tousu_http_request_duration_seconds",
            "HTTP request duration in seconds, by method and route template.",
            ["method", "route"],
            registry=self.registry,
        )
        self._scraped = _Families([])
        self.registry.register(self._scraped)
        self._lock = asyncio.Lock()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    async def render(self) -> bytes:
        async with self._lock:
            self._scraped.families = await self.collect()
            return generate_latest(self.registry)

    async def collect(self) -> list[Metric]:
        families = self.process_families()
        families.extend(await self.consumer_lag())
        try:
            families.extend(await asyncio.wait_for(self.database_families(), SCRAPE_TIMEOUT))
        except Exception as error:  # the scrape still answers; the gauge says the database is not
            log.warning("metrics: database figures unavailable", extra={"error": type(error).__name__})
            up = GaugeMetricFamily("tousu_metrics_database_up", "1 when the database figures were read.")
            up.add_metric([], 0)
            families.append(up)
        return families

    def process_families(self) -> list[Metric]:
        runtime = self.runtime
        consumed = CounterMetricFamily(
            "tousu_consumer_messages",
            "Messages handled by this process's consumers, by outcome "
            "(processed, duplicate = already processed, dead_lettered, filled = read from the store "
            "for a gap Kafka left, passed_over = a type the consumer does not handle).",
            labels=["consumer", "outcome"],
        )
        for consumer in runtime.consumers:
            consumed.add_metric([consumer.name, "processed"], consumer.processed)
            consumed.add_metric([consumer.name, "duplicate"], consumer.duplicates)
            consumed.add_metric([consumer.name, "dead_lettered"], consumer.dead_lettered)
            consumed.add_metric([consumer.name, "filled"], consumer.filled)
            consumed.add_metric([consumer.name, "passed_over"], consumer.passed_over)
        caught_up = CounterMetricFamily(
            "tousu_consumer_caught_up",
            "Events this process's consumers handled from the store because Kafka never delivered them.",
            labels=["consumer"],
        )
        for catch_up in runtime.catch_ups:
            caught_up.add_metric([catch_up.consumer.name], catch_up.caught_up)
        published = CounterMetricFamily(
            "tousu_relay_published", "Events this process's outbox relay published to Kafka."
        )
        published.add_metric([], runtime.relay.published if runtime.relay else 0)
        leader = GaugeMetricFamily(
            "tousu_relay_leader", "1 when this process's relay holds the relay lock (the active relay)."
        )
        leader.add_metric([], 1 if runtime.relay and runtime.relay.is_leader else 0)
        return [consumed, caught_up, published, leader]

    async def consumer_lag(self) -> list[Metric]:
        lag = GaugeMetricFamily(
            "tousu_consumer_lag",
            "Messages behind: the partition's high watermark minus the consumer's position "
            "(partitions assigned to this process).",
            labels=["consumer", "topic", "partition"],
        )
        for subscriber in self.runtime.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            group = str(getattr(subscriber, "group_id", "") or "")
            if consumer is None:
                continue
            try:
                for tp in sorted(consumer.assignment(), key=lambda p: (p.topic, p.partition)):
                    high = consumer.highwater(tp)
                    if high is None:
                        continue
                    position = await asyncio.wait_for(consumer.position(tp), 1)
                    lag.add_metric(
                        [group.removeprefix("tousu-"), tp.topic, str(tp.partition)], max(0, high - position)
                    )
            except Exception as error:  # rebalancing: skip this scrape's lag
                log.debug("metrics: no lag", extra={"error": type(error).__name__})
        return [lag]

    async def database_families(self) -> list[Metric]:
        families: list[Metric] = []
        async with self.runtime.engine.connect() as conn:
            backlog = GaugeMetricFamily(
                "tousu_outbox_backlog",
                "Committed events after the outbox relay's checkpoint: not yet published to Kafka.",
            )
            behind = (await conn.execute(OUTBOX_BACKLOG, {"name": CHECKPOINT})).scalar_one()
            backlog.add_metric([], int(behind))
            last = GaugeMetricFamily(
                "tousu_eventstore_last_position",
                "Highest global position in the event store (its rate: events appended per second).",
            )
            last.add_metric([], int((await conn.execute(LAST_POSITION)).scalar_one()))
            families += [backlog, last, await self.dead_letters(conn)]
            for source in self.runtime.metric_sources:  # the service's own tables
                families += await source(conn)
        up = GaugeMetricFamily("tousu_metrics_database_up", "1 when the database figures were read.")
        up.add_metric([], 1)
        families.append(up)
        return families

    async def dead_letters(self, conn: AsyncConnection) -> Metric:
        consumers = [consumer.name for consumer in self.runtime.consumers]
        counts = await count_letters(conn, consumers)
        letters = GaugeMetricFamily(
            "tousu_dead_letters",
            "Dead letters of this service's consumers, by status (open, retrying, resolved, discarded).",
            labels=["consumer", "status"],
        )
        for name in consumers:
            for status in LetterStatus:
                letters.add_metric([name, status.value], counts.get((name, status), 0))
        return letters


class MeasureRequests:
    """Counts and times every HTTP request by method, route template and status.

    Pure ASGI (see shared.service.app.TraceRequests for why). A request whose app raises before
    answering counts as 500, as ServerErrorMiddleware answers it.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            # The router records the matched route in the (shared) scope on its way in.
            template = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - started)


def install_metrics(app: FastAPI, runtime: Runtime) -> ServiceMetrics:
    """Count and time every HTTP request and serve GET /metrics (no token needed)."""
    metrics = ServiceMetrics(runtime)
    app.state.metrics = metrics

    @app.get(
        "/metrics",
        tags=["health"],
        summary="Prometheus metrics (text format); unauthenticated like /healthz",
        response_class=Response,
    )
    async def get_metrics() -> Response:
        return Response(await metrics.render(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(MeasureRequests, metrics=metrics)
    return metrics
