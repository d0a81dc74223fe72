"""OpenTelemetry: one trace follows a complaint across services through Kafka headers."""

from __future__ import annotations

from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from shared.settings import Settings, TracingExporter


def current_trace_context() -> dict[str, str]:
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str]) -> otel_context.Context:
    return extract(dict(carrier))


def setup_tracing(service: str, settings: Settings, exporter: SpanExporter | None = None) -> None:
    """Install a tracer provider for this process, unless one is installed already."""
    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return
    chosen = exporter or _exporter_from(settings)
    provider = TracerProvider(resource=Resource.create({"service.name": f"tousu-{service}"}))
    if chosen is not None:
        provider.add_span_processor(BatchSpanProcessor(chosen))
    trace.set_tracer_provider(provider)


def _exporter_from(settings: Settings) -> SpanExporter | None:
    if settings.tracing_exporter == TracingExporter.CONSOLE:
        return ConsoleSpanExporter()
    if settings.tracing_exporter == TracingExporter.OTLP:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return (
            OTLPSpanExporter(endpoint=settings.otlp_endpoint)
            if settings.otlp_endpoint
            else OTLPSpanExporter()
        )
    return None


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(f"tousu.{name}")
