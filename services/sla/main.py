"""Composition root of the sla service: clocks from complaint events, a fire loop, a read API,
the clock-rule commands (hold, resume, extensions) and the policy reload."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.sla.api import clock_commands_router, deadlines_router
from services.sla.calendar import BusinessCalendar
from services.sla.calendar_config import load_calendar
from services.sla.config import SlaConfig
from services.sla.deadlines import DeadlinePlanner
from services.sla.firing import DeadlineFirer, fire_loop
from services.sla.handlers import SUBSCRIBED, ClockKeeper
from services.sla.metrics import sla_metrics
from services.sla.notifier import Notifier
from services.sla.policy import load_policy
from services.sla.replanning import apply_policy, fingerprint
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe_events
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    *,
    config: SlaConfig | None = None,
    fire_in_background: bool = True,
    notifier: Notifier | None = None,
) -> FastAPI:
    """The sla service. ``fire_in_background=False`` leaves firing (and the start-up policy
    check) to explicit calls: ``app.state.firer.fire_due(now)``, ``app.state.control.apply()``
    (tests drive time with a FakeClock)."""
    config = config or SlaConfig()
    policy = load_policy(config.policy_file)  # a bad policy stops the service here, naming the key
    calendar = load_calendar(config.calendar_file)  # so does a bad calendar
    clock = clock or SystemClock()
    runtime = Runtime("sla", settings, clock, extra_routes=complaint_routes)
    runtime.metric_sources.append(sla_metrics)

    planner = DeadlinePlanner(policy, calendar=calendar)
    keeper = ClockKeeper(planner, clock)
    subscribe_events(
        runtime.broker,
        runtime.consumer(),
        settings.topic_events,
        batch_handler=keeper.handle_batch,
        types=SUBSCRIBED,
        categories={streams.COMPLAINT},
        description="Starts, stops, pauses and moves the SLA clocks of every stage.",
    )
    firer = DeadlineFirer(
        runtime.engine,
        policy,
        clock,
        batch_size=config.batch_size,
        planner=planner,
        notifier=notifier,
    )
    control = SlaControl(runtime.engine, clock, keeper, firer, calendar, config.policy_file)
    if fire_in_background:
        runtime.background(control.apply_at_start)
        runtime.background(fire_loop(firer, config.tick_seconds))

    app = create_service_app(runtime, tokens=tokens)
    app.include_router(deadlines_router(runtime))
    app.include_router(clock_commands_router(runtime, control))
    app.state.firer = firer
    app.state.control = control
    app.state.policy = policy
    app.state.calendar = calendar
    return app


@dataclass
class SlaControl:
    """The policy in force, shared by the consumer and the fire loop, and how it is replaced."""

    engine: AsyncEngine
    clock: Clock
    keeper: ClockKeeper
    firer: DeadlineFirer
    calendar: BusinessCalendar
    policy_file: Path | None

    @property
    def planner(self) -> DeadlinePlanner:
        return self.keeper.planner

    async def apply(self) -> int | None:
        """Re-compute the running deadlines if they were computed with another policy."""
        return await apply_policy(self.engine, self.planner, self.clock)

    async def apply_at_start(self) -> None:
        """Background task: the start-up check (a policy changed while the service was down)."""
        try:
            await self.apply()
        except Exception:
            log.exception("could not re-compute the SLA deadlines for the policy; they keep the old one")

    async def reload(self, *, force: bool = False) -> tuple[str, int | None]:
        """Read the policy file again (PolicyError when it is bad: nothing changes) and put it in force."""
        policy = load_policy(self.policy_file)
        planner = DeadlinePlanner(policy, self.planner.calculator, self.calendar)
        self.keeper.planner = planner
        self.firer.planner = planner
        return fingerprint(policy), await apply_policy(self.engine, planner, self.clock, force=force)
