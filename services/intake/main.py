"""Composition root of the intake service (受理)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import FastAPI

from services.intake.api import build_router
from services.intake.config import IntakeSettings
from services.intake.corrections import CorrectionLapser, lapse_loop
from services.intake.duplicates import DuplicateCheck
from services.intake.email_channel import EmailIntake
from services.intake.followup import build_followup_router
from services.intake.handlers import AcknowledgementHandler, SubmissionHandler, decode_submission
from services.intake.limits import TokenBuckets
from services.intake.merge import build_merge_router
from services.intake.notifier import LoggingNotifier, Notifier
from services.intake.policy import load_policy
from services.intake.privacy_api import build_privacy_router
from services.intake.submission import IntakeMessage
from services.intake.submit import Submissions
from shared.clock import Clock, SystemClock
from shared.events import streams
from shared.messaging.assignment_routes import complaint_routes
from shared.messaging.consumer import subscribe, subscribe_events
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
) -> FastAPI:
    """``lapse_in_background=False`` leaves lapsing corrections to explicit
    ``app.state.lapser.lapse_due()`` calls (tests drive time with a FakeClock)."""
    config = config or IntakeSettings()
    policy = load_policy(config.grading_file)  # GradingPolicyError (file:line) stops the start-up
    runtime = Runtime("intake", settings, clock or SystemClock(), extra_routes=complaint_routes)
    zone = ZoneInfo(settings.timezone)
    duplicates = DuplicateCheck(policy.duplicates) if policy.duplicates is not None else None
    privacy = PrivacySettings()
    # the one submission handler: HTTP, Kafka and email submissions all go through it
    submissions = Submissions(
        runtime.store,
        policy,
        runtime.clock,
        zone,
        privacy=privacy,
        duplicates=duplicates,
        window=config.received_window(),
    )
    subscribe(
        runtime.broker,
        runtime.consumer("intake-submissions"),
        settings.topic_intake,
        SubmissionHandler(submissions, correction_hours=config.correction_hours),
        decode_submission,
        title=f"{settings.topic_intake}:intake",
        description="Channels publish complaint submissions here (JSON, schema IntakeMessage); "
        "invalid ones go to the dead-letter topic with field-level reasons.",
        schema=IntakeMessage,
    )
    subscribe_events(
        runtime.broker,
        runtime.consumer("intake"),
        settings.topic_events,
        batch_handler=AcknowledgementHandler(notifier or LoggingNotifier(), runtime.clock).handle,
        types={"ComplaintReceived"},
        categories={streams.COMPLAINT},
        description="Acknowledges every received complaint to its complainant.",
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
    buckets = TokenBuckets(runtime.clock, config.rate_per_minute, config.rate_burst)
    status_base_url = f"http://{settings.host}:{settings.analytics_port}"
    app.include_router(build_router(runtime, status_base_url, policy, buckets, submissions))
    app.include_router(build_followup_router(runtime))
    app.include_router(build_privacy_router(runtime, privacy))
    app.include_router(build_merge_router(runtime))
    return app
