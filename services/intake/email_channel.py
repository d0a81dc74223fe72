"""The email channel: an SMTP listener that turns a message to the complaints address into a
submission, and answers the sender with the complaint number.

The SMTP reply itself carries the number (``250 2.0.0 received as complaint TS-…``); when an
outbound relay is configured, the sender also gets an acknowledgement email in Chinese and
English. A message resent with the same Message-ID yields the same complaint (idempotent); with
a different content it is refused ``idempotency_key_reused``, like any refused message: ``554``
with the refusal's code, and nothing recorded.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid, parseaddr

from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import ValidationError

from services.intake.schemas import ComplaintSubmission
from services.intake.submit import SubmissionRefused, Submissions, Submitted, Submitter
from shared.events import Actor, Role
from shared.eventstore.unit_of_work import sql_units_of_work
from shared.service.runtime import Runtime

log = logging.getLogger(__name__)

MAX_CONTENT = 20_000
CHANNEL_ACTOR = Actor(role=Role.CHANNEL, id="email")
EMAIL_SUBMITTER = Submitter(CHANNEL_ACTOR, "email", scope="channel:email")
"""The listener submits as the channel system ``email``; its keys (Message-IDs) under
``channel:email``."""


@dataclass(frozen=True)
class Attachment:
    name: str
    size: int


@dataclass(frozen=True)
class ParsedEmail:
    sender_name: str
    sender_address: str
    subject: str
    body: str
    attachments: list[Attachment]
    message_id: str | None


def parse_email(raw: bytes, envelope_from: str | None) -> ParsedEmail:
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    address = address or (envelope_from or "")
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = ""
    if body_part is not None:
        content = body_part.get_content()
        body = content if body_part.get_content_subtype() == "plain" else _strip_html(content)
    attachments = [
        Attachment(part.get_filename() or "unnamed", len(part.get_payload(decode=True) or b""))
        for part in message.iter_attachments()
    ]
    return ParsedEmail(
        sender_name=name.strip() or address.split("@")[0],
        sender_address=address,
        subject=str(message.get("Subject", "")).strip() or "(no subject)",
        body=body.strip(),
        attachments=attachments,
        message_id=str(message["Message-ID"]).strip() if message["Message-ID"] else None,
    )


def _strip_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def submission_of(parsed: ParsedEmail) -> ComplaintSubmission:
    content = parsed.body or "(empty message)"
    if parsed.attachments:
        listing = "; ".join(f"{a.name} ({a.size} bytes)" for a in parsed.attachments)
        content += f"\n\n[attachments: {listing}]"
    if len(content) > MAX_CONTENT:
        content = content[: MAX_CONTENT - 40] + "\n[…truncated by the email channel]"
    return ComplaintSubmission.model_validate(
        {
            "channel": "email",
            "complainant_kind": "customer",
            "complainant": {"name": parsed.sender_name[:100], "email": parsed.sender_address},
            "category": "other",
            "subject": parsed.subject[:200],
            "content": content,
        }
    )


@dataclass
class EmailIntake:
    """aiosmtpd handler: one message to the complaints address → one complaint, through the one
    submission handler (:mod:`services.intake.submit`), the Message-ID its idempotency key."""

    runtime: Runtime
    submissions: Submissions
    address: str
    relay: str | None = None
    """host:port of an outbound SMTP server for acknowledgement emails; None: the reply code only."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.lower() != self.address.lower():
            return f"550 5.1.1 only {self.address} takes complaints here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        parsed = parse_email(raw if isinstance(raw, bytes) else raw.encode(), envelope.mail_from)
        try:
            submitted = await self._receive(parsed)
        except ValidationError:
            log.info("email refused", extra={"reason": "invalid_submission"})
            return "554 5.6.0 the message could not be registered as a complaint (invalid_submission)"
        except SubmissionRefused as refused:
            log.info("email refused", extra={"reason": refused.code})
            return f"554 5.6.0 the message could not be registered as a complaint ({refused.code})"
        number = submitted.complaint_no
        log.info("complaint received by email", extra={"complaint_no": number})
        if self.relay:
            await asyncio.to_thread(self._acknowledge, parsed, number)
        return f"250 2.0.0 received as complaint {number}"

    async def _receive(self, parsed: ParsedEmail) -> Submitted:
        submission = submission_of(parsed)
        async with sql_units_of_work(self.runtime.engine)() as uow:  # a refusal (raised) rolls it all back
            return await self.submissions.submit(uow, submission, EMAIL_SUBMITTER, parsed.message_id)

    def _acknowledge(self, parsed: ParsedEmail, number: str) -> None:
        reply = EmailMessage()
        reply["From"] = self.address
        reply["To"] = parsed.sender_address
        reply["Subject"] = f"[{number}] 您的投诉已受理 / Your complaint has been received"
        reply["Message-ID"] = make_msgid(domain=self.address.split("@")[-1])
        if parsed.message_id:
            reply["In-Reply-To"] = parsed.message_id
        reply.set_content(
            f"您的投诉已受理，编号 {number}。我们将尽快处理并与您联系。\n\n"
            f"Your complaint has been received as {number}. We will handle it and contact you soon.\n"
        )
        host, _, port = (self.relay or "").rpartition(":")
        with smtplib.SMTP(host, int(port), timeout=10) as client:
            client.send_message(reply)

    async def serve(self, host: str, port: int, max_bytes: int) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(self, hostname="tousu", data_size_limit=max_bytes, enable_SMTPUTF8=True),
            host=host,
            port=port,
        )
        log.info("email channel listening", extra={"host": host, "port": port, "address": self.address})
        async with server:
            await server.serve_forever()
