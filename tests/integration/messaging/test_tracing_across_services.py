"""One trace follows a request into the intake service, through Kafka, into the routing service."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.events import Actor, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.messaging.topics import ensure_topics
from shared.service.app import create_service_app
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.integration.messaging.conftest import NewDatabase, wait_until
from tests.support.settings import role_urls
from tests.support.spans import recording_spans
from tests.support.store_events import SomethingHappened, new_stream_id

pytestmark = pytest.mark.integration

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """An in-memory exporter on a fresh global provider, installed before any service sets one.

    The global provider can be set once per process; the guard is reset, and restored afterwards,
    so this test neither depends on nor disturbs what other tests installed.
    """
    with recording_spans() as exporter:
        yield exporter


async def test_one_trace_spans_the_request_and_the_consumer(
    settings: Settings, new_database: NewDatabase, spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text("tokens: []\n", encoding="utf-8")  # no caller here needs a token
    url = await new_database()
    settings = settings.model_copy(update={"database_url": url, **role_urls(url), "tokens_file": tokens})
    await ensure_topics(settings)
    provider = trace.get_tracer_provider()

    intake = Runtime("intake", settings)
    intake_app = create_service_app(intake, configure_logging=False)

    @intake_app.post("/things/{stream_id}")
    async def receive(stream_id: str) -> dict[str, str]:
        event = NewEvent.of(SomethingHappened(n=1), actor=Actor.service("intake"), clock=intake.clock)
        await intake.store.append(stream_id, NO_STREAM, [event])
        return {"event_id": str(event.event_id)}

    routing = Runtime("routing", settings, run_relay=False)
    seen: list[RecordedEvent] = []

    async def observe(event: RecordedEvent, ctx: HandlerContext) -> None:
        seen.append(event)

    consumer = routing.consumer()
    subscribe_events(
        routing.broker, consumer, settings.topic_events, observe, categories=None, description="test"
    )
    routing_app = create_service_app(routing, configure_logging=False)
    assert trace.get_tracer_provider() is provider  # setup_tracing kept the installed provider

    async with (
        intake_app.router.lifespan_context(intake_app),
        routing_app.router.lifespan_context(routing_app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=intake_app), base_url="http://intake") as client,
    ):
        untraced, traced = new_stream_id(), new_stream_id()
        first = await client.post(f"/things/{untraced}")
        second = await client.post(
            f"/things/{traced}", headers={"traceparent": f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"}
        )
        assert first.status_code == second.status_code == 200
        await wait_until(lambda: consumer.processed == 2)

    finished = spans.get_finished_spans()
    stored = {e.stream_id: e for e in seen}
    servers = [s for s in finished if s.kind == SpanKind.SERVER and scope(s) == "tousu.intake"]
    consumers = [s for s in finished if s.kind == SpanKind.CONSUMER]
    assert len(servers) == len(consumers) == 2
    by_id = {s.context.span_id: s for s in finished}
    for stream, response in [(untraced, first), (traced, second)]:
        [server] = [s for s in servers if attribute(s, "url.path") == f"/things/{stream}"]
        [consumed] = [
            s for s in consumers if attribute(s, "messaging.message.id") == response.json()["event_id"]
        ]
        assert server.name == f"POST /things/{stream}"
        assert consumed.name == "routing handle SomethingHappened"
        assert scope(consumed) == "tousu.routing"
        assert attribute(consumed, "messaging.destination.name") == settings.topic_events
        assert consumed.context.trace_id == server.context.trace_id  # one trace across both services
        # the consumer's parent is the span that was current when intake appended the event,
        # inside intake's request span
        assert consumed.parent is not None
        trace_id = format(server.context.trace_id, "032x")
        parent_id = format(consumed.parent.span_id, "016x")
        assert stored[stream].trace["traceparent"].startswith(f"00-{trace_id}-{parent_id}-")
        assert server in ancestors(consumed, by_id)

    [untraced_server] = [s for s in servers if attribute(s, "url.path") == f"/things/{untraced}"]
    [traced_server] = [s for s in servers if attribute(s, "url.path") == f"/things/{traced}"]
    assert untraced_server.parent is None  # the request started the trace
    assert format(traced_server.context.trace_id, "032x") == CALLER_TRACE  # the caller's trace goes on
    assert traced_server.parent is not None and format(traced_server.parent.span_id, "016x") == CALLER_SPAN
    assert untraced_server.context.trace_id != traced_server.context.trace_id


def attribute(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {})[name]


def scope(span: ReadableSpan) -> str | None:
    return span.instrumentation_scope.name if span.instrumentation_scope else None


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found
