"""Composition root of the sla service: clocks from complaint events, a fire loop, a read API,
the clock-rule commands (hold, resume, extensions) and the policy reload.

Builds the runtime and the collaborators the API reaches through dependencies, on ``app.state``:
``control`` (the policy in force, :class:`~services.sla.control.SlaControl`), ``running_clocks``
(:class:`~services.sla.repository.SqlRunningClocks`); and, for tests and tools, ``firer``,
``policy`` and ``calendar``.
"""

from __future__ import annotations

from fastapi import FastAPI

from services.sla import subscribers
from services.sla.api import router
from services.sla.config import SlaConfig
from services.sla.control import SlaControl
from services.sla.deadlines import DeadlinePlanner
from services.sla.firing import DeadlineFirer, fire_loop
from services.sla.handlers import ClockKeeper
from services.sla.metrics import sla_metrics
from services.sla.notifier import Notifier
from services.sla.policy import load_policy
from services.sla.repository import SqlRunningClocks
from shared.calendar.config import load_calendar
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
    subscribers.subscribe(runtime, keeper)
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
    app.include_router(router)
    app.state.firer = firer
    app.state.control = control
    app.state.running_clocks = SqlRunningClocks(runtime.engine)
    app.state.policy = policy
    app.state.calendar = calendar
    return app
