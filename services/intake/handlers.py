"""Intake's consumers: submissions published on Kafka, and acknowledging received complaints."""

from __future__ import annotations

import json

from pydantic import ValidationError

from services.intake.corrections import take_submission
from services.intake.notifier import Notifier
from services.intake.submission import IntakeMessage
from services.intake.submit import Submissions
from shared.clock import Clock
from shared.complaints.commands import AcknowledgeComplaint, Command
from shared.complaints.events import COMPLAINT_EVENTS, ComplaintReceived
from shared.complaints.state import ComplaintState
from shared.events import Actor, RecordedEvent, sha256
from shared.messaging.complaint_reactions import Reactor
from shared.messaging.consumer import Decoded, HandlerContext, PoisonMessage, validation_reasons

SERVICE = Actor.service("intake")


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


class SubmissionHandler:
    """The intake topic's consumer handler: each submission through :func:`take_submission`."""

    def __init__(self, submissions: Submissions, *, correction_hours: float = 24) -> None:
        self.submissions = submissions
        self.correction_hours = correction_hours

    async def __call__(self, message: IntakeMessage, ctx: HandlerContext) -> None:
        await take_submission(  # PoisonMessage → the dead-letter topic, with the reason
            ctx.connection, message, self.submissions, correction_hours=self.correction_hours
        )


class AcknowledgementHandler(Reactor):
    """ComplaintReceived → the complainant is told (the notifier), then ComplaintAcknowledged.

    An imported complaint (history, ``tousu import``) is not acknowledged: nobody is written to
    about it.

    The SLA service acknowledges a complaint received out of hours itself, and may come first
    (a backdated complaint's limit has run out on arrival): a complaint already acknowledged is
    neither told again nor acknowledged again; and should the command meet an acknowledgement
    all the same, it is already done and appends nothing (a service's idempotent no-op is no
    CommandRejected: see :mod:`shared.complaints.decide`).
    """

    name = "intake"

    def __init__(self, notifier: Notifier, clock: Clock) -> None:
        self.notifier = notifier
        self.clock = clock

    async def react(self, event: RecordedEvent, state: ComplaintState) -> Command | None:
        received = COMPLAINT_EVENTS.decode(event)
        assert isinstance(received, ComplaintReceived)
        if received.imported is not None:
            return None  # history (tousu import): its complainant was answered back then, if ever
        if state.acknowledged:
            return None
        template = await self.notifier.acknowledge(received.complaint_no, received.channel.value)
        return AcknowledgeComplaint(
            actor=SERVICE, at=self.clock.now(), via=self.notifier.name, message_key=template
        )
