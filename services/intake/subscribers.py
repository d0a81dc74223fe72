"""Intake's Kafka subscriptions: submissions published on the intake topic, and acknowledging
received complaints."""

from __future__ import annotations

import json

from pydantic import ValidationError

from services.intake.handlers import AcknowledgementHandler, RiskWatch, SubmissionHandler
from services.intake.notifier import LoggingRiskNotifier, Notifier, RiskNotifier
from services.intake.schemas import IntakeMessage
from services.intake.submit import Submissions
from shared.events import sha256, streams
from shared.messaging.consumer import Decoded, PoisonMessage, subscribe, subscribe_events, validation_reasons
from shared.service.runtime import Runtime


def subscribe_all(
    runtime: Runtime,
    submissions: Submissions,
    notifier: Notifier,
    *,
    correction_hours: float,
    risk_notifier: RiskNotifier | None = None,
) -> None:
    settings = runtime.settings
    subscribe(
        runtime.broker,
        runtime.consumer("intake-submissions"),
        settings.topic_intake,
        SubmissionHandler(submissions, correction_hours=correction_hours),
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
        batch_handler=AcknowledgementHandler(notifier, runtime.clock).handle,
        types={"ComplaintReceived"},
        categories={streams.COMPLAINT},
        description="Acknowledges every received complaint to its complainant.",
    )
    if submissions.risk is not None:
        watch = RiskWatch(submissions.risk, risk_notifier or LoggingRiskNotifier(), runtime.clock)
        subscribe_events(
            runtime.broker,
            runtime.consumer("intake-risk"),
            settings.topic_events,
            batch_handler=watch.handle,
            types={"ComplaintRegraded", "ComplaintRiskFlagged"},
            categories={streams.COMPLAINT},
            description="Evaluates the risk rules again after a regrade, and tells the "
            "public-relations owner of every risk flag.",
        )


def decode_submission(value: bytes) -> Decoded[IntakeMessage]:
    try:
        message = IntakeMessage.model_validate_json(value)  # ValidationError → dead letter with reasons
    except ValidationError as error:
        redacted = anonymous_redacted(value)
        if redacted is None:
            raise
        raise PoisonMessage(
            "invalid anonymous submission", validation_reasons(error), parked=redacted
        ) from None
    # The content is part of the message id: a redelivery is skipped, while a re-send of the same
    # submission_id with other content is taken: a correction of a returned submission, or else
    # a dead letter idempotency_key_reused (services/intake/corrections.py).
    digest = sha256(value).hex()[:16]
    return Decoded(message, f"{message.channel_id}:{message.submission_id}:{digest}", {}, "IntakeMessage")


def anonymous_redacted(value: bytes) -> bytes | None:
    """An invalid submission that claims anonymity is parked without its ``complainant`` (an
    anonymous complaint's identity is kept nowhere, dead letters included); None otherwise."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("anonymous") is not True:
        return None
    if "complainant" in data:
        data["complainant"] = "[removed: anonymous submission]"
    return json.dumps(data, ensure_ascii=False).encode()
