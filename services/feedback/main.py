"""Composition root of the feedback service (回访).

Builds the runtime, puts the department that works revisits on ``app.state.revisit_department``
(the API's ``RevisitDepartment`` dependency), subscribes the consumers and includes the API.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from services.feedback import subscribers
from services.feedback.api import router
from services.feedback.config import FeedbackSettings
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
) -> FastAPI:
    own = FeedbackSettings()
    runtime = Runtime("feedback", settings, clock or SystemClock(), extra_routes=complaint_routes)
    subscribers.subscribe(runtime, revisit_delay or own.revisit_delay)
    app = create_service_app(runtime, tokens=tokens)
    app.state.revisit_department = own.revisit_department
    app.include_router(router)
    return app
