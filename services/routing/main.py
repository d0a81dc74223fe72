"""Composition root of the routing service (分类派单, 处理)."""

from __future__ import annotations

from fastapi import FastAPI

from services.routing.api import build_router
from services.routing.assign import AssignOnReceipt
from services.routing.config import RoutingSettings
from services.routing.projection import AssignmentsProjection
from services.routing.rules import RuleTable, load_rules
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    rules: RuleTable | None = None,
) -> FastAPI:
    """Raises RuleTableError (listing every problem) when the rule file is invalid."""
    rules = rules or load_rules(RoutingSettings().rules_file)
    runtime = Runtime("routing", settings, clock or SystemClock(), extra_routes=complaint_routes)
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing"),
        settings.topic_events,
        batch_handler=AssignOnReceipt(rules, runtime.clock).handle,
        types={"ComplaintReceived"},
        categories={streams.COMPLAINT},
        description="Assigns every received complaint to a department by the rule table (ComplaintAssigned).",
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("routing-assignments"),
        settings.topic_events,
        batch_handler=AssignmentsProjection().handle,
        categories={streams.COMPLAINT},
        description="Keeps each department's assignments (routing_assignments) from every complaint event.",
    )
    app = create_service_app(runtime, tokens=tokens)
    app.include_router(build_router(runtime, rules))
    return app
