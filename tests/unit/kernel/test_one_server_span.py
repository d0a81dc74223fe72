"""One SERVER span per HTTP request: the service's own (TraceRequests), not a second one from
FastAPI's native telemetry (FastAPI ≥ 0.16x turns it on once a tracer provider is set)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from shared.service.app import create_service_app
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.support.auth import test_tokens as known_tokens
from tests.support.spans import recording_spans

pytestmark = [pytest.mark.unit, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """An in-memory exporter on a fresh global provider (as in the tracing test)."""
    with recording_spans() as exporter:
        yield exporter


async def test_a_request_has_one_span(spans: InMemorySpanExporter) -> None:
    runtime = Runtime("intake", Settings())  # nothing connects: the lifespan is not run
    app = create_service_app(runtime, tokens=known_tokens(), configure_logging=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        response = await client.get(
            "/healthz", headers={"traceparent": "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"}
        )
    assert response.status_code == 200
    finished = spans.get_finished_spans()
    assert [
        (s.name, s.kind, s.instrumentation_scope.name if s.instrumentation_scope else None) for s in finished
    ] == [("GET /healthz", SpanKind.SERVER, "tousu.intake")]
    assert finished[0].parent is not None and finished[0].parent.span_id == int("cd" * 8, 16)
    await runtime.engine.dispose()
