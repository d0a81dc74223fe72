"""Which topics, under which key, a stored event is published to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.events import RecordedEvent
from shared.settings import Settings


@dataclass(frozen=True)
class Route:
    topic: str
    key: str


ExtraRoutes = Callable[[RecordedEvent, Settings], list[Route]]


def no_extra_routes(event: RecordedEvent, settings: Settings) -> list[Route]:
    return []


def routes_for(event: RecordedEvent, settings: Settings, extra: ExtraRoutes = no_extra_routes) -> list[Route]:
    """Every event goes to the events topic keyed by its complaint number, so a complaint's
    events stay in order on one partition; extra routes (department assignments) follow."""
    return [Route(settings.topic_events, event.stream_id), *extra(event, settings)]


def event_headers(event: RecordedEvent) -> dict[str, str]:
    headers = {
        "event_id": str(event.event_id),
        "event_type": event.type,
        "schema_version": str(event.schema_version),
        "stream_id": event.stream_id,
        "correlation_id": str(event.correlation_id),
        "content-type": "application/json",
    }
    headers.update(event.trace)  # traceparent / tracestate: the W3C trace context
    return headers
