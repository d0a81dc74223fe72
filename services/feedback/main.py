"""Composition root of the feedback service (回访).

Builds the runtime, puts the department that works revisits on ``app.state.revisit_department``
(the API's ``RevisitDepartment`` dependency), the service's own settings on
``app.state.feedback_settings``, the questionnaire links' notifier on ``app.state.link_notifier``
and the publisher of upgraded complaints to the intake topic on ``app.state.publish_intake``,
subscribes the consumers and includes the API.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.feedback import subscribers
from services.feedback.api import router
from services.feedback.config import FeedbackSettings
from services.feedback.notifier import LinkNotifier, LoggingLinkNotifier
from services.feedback.upgrades import Publish
from shared.clock import Clock, SystemClock
from shared.messaging.assignment_routes import complaint_routes
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    revisit_delay: timedelta | None = None,
    link_notifier: LinkNotifier | None = None,
    own: FeedbackSettings | None = None,
) -> FastAPI:
    own = own or FeedbackSettings()
    runtime = Runtime("feedback", settings, clock or SystemClock(), extra_routes=complaint_routes)
    subscribers.subscribe(runtime, revisit_delay or own.revisit_delay)
    app = create_service_app(runtime, tokens=tokens)
    app.state.revisit_department = own.revisit_department
    app.state.feedback_settings = own
    app.state.link_notifier = link_notifier or LoggingLinkNotifier()
    app.state.publish_intake = intake_publisher(runtime)
    app.include_router(router)
    return app


def intake_publisher(runtime: Runtime) -> Publish:
    """Sends on the intake topic with the runtime's producer (acks=all) and waits for the ack."""

    async def publish(key: bytes, value: bytes) -> None:
        await runtime.producer.send_and_wait(runtime.settings.topic_intake, value=value, key=key)

    return publish
