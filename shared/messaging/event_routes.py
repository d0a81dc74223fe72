"""Which topics, under which key, a stored event is published to, and with which headers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.events import RecordedEvent
from shared.events.streams import HEADER as CATEGORY_HEADER
from shared.events.streams import stream_category
from shared.settings import Settings


@dataclass(frozen=True)
class Route:
    topic: str
    key: str


ExtraRoutes = Callable[[str, Mapping[str, Any], Settings], list[Route]]
"""(event type, payload, settings) → the routes besides the events topic."""


def no_extra_routes(event_type: str, payload: Mapping[str, Any], settings: Settings) -> list[Route]:
    return []


def routes_for(event: RecordedEvent, settings: Settings, extra: ExtraRoutes = no_extra_routes) -> list[Route]:
    """Every event goes to the events topic keyed by its complaint number, so a complaint's
    events stay in order on one partition; extra routes (department assignments) follow."""
    return [Route(settings.topic_events, event.stream_id), *extra(event.type, event.payload, settings)]


def event_headers(event: RecordedEvent) -> dict[str, str]:
    """The headers of a stored event on Kafka: a consumer tells from them alone which event it is
    (stream and its category, version, type) and skips what it does not handle without decoding
    the value."""
    headers = {
        "event_id": str(event.event_id),
        "event_type": event.type,
        "schema_version": str(event.schema_version),
        "stream_id": event.stream_id,
        CATEGORY_HEADER: stream_category(event.stream_id),
        "stream_version": str(event.stream_version),
        "correlation_id": str(event.correlation_id),
        "content-type": "application/json",
    }
    headers.update(event.trace)  # traceparent / tracestate: the W3C trace context
    return headers
