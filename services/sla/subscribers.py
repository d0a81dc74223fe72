"""The sla service's Kafka subscription: complaint events move the SLA clocks."""

from __future__ import annotations

from services.sla.handlers import SUBSCRIBED, ClockKeeper
from shared.events import streams
from shared.messaging.consumer import subscribe_events
from shared.service.runtime import Runtime


def subscribe(runtime: Runtime, keeper: ClockKeeper) -> None:
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        runtime.settings.topic_events,
        batch_handler=keeper.handle_batch,
        types=SUBSCRIBED,
        categories={streams.COMPLAINT},
        description="Starts, stops, pauses and moves the SLA clocks of every stage.",
    )
