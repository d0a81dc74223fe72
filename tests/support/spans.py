"""Recording the spans a test makes: an in-memory exporter on a fresh global tracer provider."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@contextlib.contextmanager
def recording_spans() -> Iterator[InMemorySpanExporter]:
    """The global provider can be set once per process: the guard is reset, and the previous
    provider restored afterwards, so a test neither depends on nor disturbs what others installed."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "tousu-tests"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous = trace._TRACER_PROVIDER
    trace._TRACER_PROVIDER_SET_ONCE._done = False
    trace.set_tracer_provider(provider)
    try:
        yield exporter
    finally:
        trace._TRACER_PROVIDER = previous
        trace._TRACER_PROVIDER_SET_ONCE._done = previous is not None
        provider.shutdown()
