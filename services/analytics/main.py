"""Composition root of the analytics service."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from shared.clock import Clock, SystemClock
from shared.events import RecordedEvent
from shared.messaging.consumer import HandlerContext, subscribe_events
from shared.service.app import create_service_app
from shared.service.runtime import Runtime
from shared.settings import Settings

log = logging.getLogger(__name__)


async def observe(event: RecordedEvent, ctx: HandlerContext) -> None:
    log.info(
        "event seen",
        extra={"event_id": str(event.event_id), "event_type": event.type, "stream_id": event.stream_id},
    )


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    runtime = Runtime("analytics", settings, clock or SystemClock())
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        observe,
        description="Every complaint event.",
    )
    return create_service_app(runtime)
