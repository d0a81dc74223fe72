"""Composition root of the sla service: clocks from complaint events, a fire loop, a read API."""

from __future__ import annotations

from fastapi import FastAPI

from services.sla.api import deadlines_router
from services.sla.calendar_config import load_calendar
from services.sla.config import SlaConfig
from services.sla.deadlines import DeadlinePlanner
from services.sla.firing import DeadlineFirer, fire_loop
from services.sla.handlers import SUBSCRIBED, ClockKeeper
from services.sla.metrics import sla_metrics
from services.sla.policy import load_policy
from shared.clock import Clock, SystemClock
from shared.complaints.topics import complaint_routes
from shared.messaging.consumer import subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    *,
    config: SlaConfig | None = None,
    fire_in_background: bool = True,
) -> FastAPI:
    """The sla service. ``fire_in_background=False`` leaves firing to explicit
    ``app.state.firer.fire_due(now)`` calls (tests drive time with a FakeClock)."""
    config = config or SlaConfig()
    policy = load_policy(config.policy_file)  # a bad policy stops the service here, naming the key
    calendar = load_calendar(config.calendar_file)  # so does a bad calendar
    clock = clock or SystemClock()
    runtime = Runtime("sla", settings, clock, extra_routes=complaint_routes)
    runtime.metric_sources.append(sla_metrics)

    keeper = ClockKeeper(DeadlinePlanner(policy, calendar=calendar), clock)
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        keeper.handle,
        types=SUBSCRIBED,
        description="Starts, stops and moves the SLA clocks (first response, resolution).",
    )
    firer = DeadlineFirer(runtime.engine, policy, clock, batch_size=config.batch_size)
    if fire_in_background:
        runtime.background(fire_loop(firer, config.tick_seconds))

    app = create_service_app(runtime, tokens=tokens)
    app.include_router(deadlines_router(runtime))
    app.state.firer = firer
    app.state.policy = policy
    app.state.calendar = calendar
    return app
