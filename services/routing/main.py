"""Composition root of the routing service (分类派单, 处理).

Builds the runtime, puts the rule table on ``app.state.rules`` (the API's ``Rules`` dependency) and
the business calendar on ``app.state.calendar`` (``Calendar``),
subscribes the consumers (the green channel's notifier: the logging one unless one is given) and
includes the department API and the 8D API (services/routing/eight_d_api.py).
"""

from __future__ import annotations

from fastapi import FastAPI

from services.routing import subscribers
from services.routing.api import router
from services.routing.config import RoutingSettings
from services.routing.eight_d_api import router as eight_d_router
from services.routing.notifier import LoggingNotifier, Notifier, TokenDirectory
from services.routing.rules import RuleTable, load_rules
from shared.calendar.business import BusinessCalendar
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
    rules: RuleTable | None = None,
    notifier: Notifier | None = None,
    calendar: BusinessCalendar | None = None,
) -> FastAPI:
    """Raises RuleTableError (listing every problem) when the rule file is invalid, CalendarError
    when the calendar file is."""
    config = RoutingSettings()
    rules = rules or load_rules(config.rules_file)
    calendar = calendar or load_calendar(config.calendar_file)
    runtime = Runtime("routing", settings, clock or SystemClock(), extra_routes=complaint_routes)
    tokens = tokens or TokenRegistry.from_file(settings.resolved_tokens_file())
    subscribers.subscribe(runtime, rules, notifier or LoggingNotifier(), TokenDirectory(tokens))
    app = create_service_app(runtime, tokens=tokens)
    app.state.rules = rules
    app.state.calendar = calendar
    app.include_router(router)
    app.include_router(eight_d_router)
    return app
