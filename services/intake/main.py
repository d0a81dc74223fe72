"""Composition root of the intake service (受理).

Builds the runtime and the one submission handler (HTTP, Kafka and email submissions all go
through it), subscribes the consumers, starts the email channel and the correction lapser, and
puts what the API reaches through dependencies on ``app.state``: ``submissions``, ``policy``,
``buckets`` (each token's rate), ``status_base_url``, ``guesses`` (the follow-up guess limit),
``privacy``; and ``lapser`` for tests.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.intake import subscribers
from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.corrections import CorrectionLapser, lapse_loop
from services.intake.duplicates import DuplicateCheck
from services.intake.email_channel import EmailIntake
from services.intake.followup import GuessLimit
from services.intake.limits import TokenBuckets
from services.intake.notifier import LoggingNotifier, Notifier, RiskNotifier
from services.intake.policy import load_policy
from services.intake.risk import load_risk_rules
from services.intake.submit import Submissions
from shared.clock import Clock, SystemClock
from shared.messaging.assignment_routes import complaint_routes
from shared.privacy.config import PrivacySettings
from shared.service.app import create_service_app
from shared.service.auth import TokenRegistry
from shared.service.runtime import Runtime
from shared.settings import Settings


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tokens: TokenRegistry | None = None,
    notifier: Notifier | None = None,
    config: IntakeSettings | None = None,
    lapse_in_background: bool = True,
    risk_notifier: RiskNotifier | None = None,
) -> FastAPI:
    """``lapse_in_background=False`` leaves lapsing corrections to explicit
    ``app.state.lapser.lapse_due()`` calls (tests drive time with a FakeClock)."""
    config = config or IntakeSettings()
    policy = load_policy(config.grading_file)  # GradingPolicyError (file:line) stops the start-up
    risk = load_risk_rules(config.risk_file)  # RiskRulesError (file:line) likewise
    runtime = Runtime("intake", settings, clock or SystemClock(), extra_routes=complaint_routes)
    duplicates = DuplicateCheck(policy.duplicates) if policy.duplicates is not None else None
    privacy = PrivacySettings()
    submissions = Submissions(
        runtime.store,
        policy,
        runtime.clock,
        ZoneInfo(settings.timezone),
        privacy=privacy,
        duplicates=duplicates,
        window=config.received_window(),
        risk=risk,
    )
    subscribers.subscribe_all(
        runtime,
        submissions,
        notifier or LoggingNotifier(),
        correction_hours=config.correction_hours,
        risk_notifier=risk_notifier,
    )
    if config.smtp_port is not None:
        email = EmailIntake(runtime, submissions, config.smtp_address, relay=config.smtp_relay)
        port, limit = config.smtp_port, config.smtp_max_bytes
        runtime.background(lambda: email.serve(settings.host, port, limit))
    lapser = CorrectionLapser(runtime.engine, runtime.store, runtime.clock)
    if lapse_in_background:
        runtime.background(lapse_loop(lapser, config.correction_tick_seconds))
    app = create_service_app(runtime, tokens=tokens, max_body_bytes=config.max_body_bytes)
    app.state.lapser = lapser
    app.state.submissions = submissions
    app.state.policy = policy
    app.state.buckets = TokenBuckets(runtime.clock, config.rate_per_minute, config.rate_burst)
    app.state.status_base_url = f"http://{settings.host}:{settings.analytics_port}"
    app.state.guesses = GuessLimit(runtime.clock)
    app.state.privacy = privacy
    app.include_router(router)
    return app
