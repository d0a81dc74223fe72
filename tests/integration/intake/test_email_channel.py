"""The email channel: real SMTP to the complaints address becomes a complaint, and the sender is
answered with the complaint number (in the SMTP reply and, through a relay, by email)."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.intake.email_channel import EmailIntake
from services.intake.policy import load_policy
from services.intake.submit import Submissions
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.support.backends import free_port

pytestmark = pytest.mark.integration

ADDRESS = "complaints@tousu.example"


@dataclass
class Outbox:
    """A stand-in outbound relay (a real SMTP server) that keeps what it is sent."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        parsed = BytesParser(policy=email_policy.default).parsebytes(
            raw if isinstance(raw, bytes) else raw.encode()
        )
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class Channel:
    port: int
    outbox: Outbox
    runtime: Runtime


@pytest_asyncio.fixture
async def channel(settings: Settings) -> AsyncIterator[Channel]:
    loop = asyncio.get_running_loop()
    outbox = Outbox()
    relay_port = free_port()
    relay = await loop.create_server(lambda: SMTP(outbox), host="127.0.0.1", port=relay_port)
    runtime = Runtime("intake", settings)
    submissions = Submissions(runtime.store, load_policy(), runtime.clock, ZoneInfo(settings.timezone))
    intake = EmailIntake(runtime, submissions, ADDRESS, relay=f"127.0.0.1:{relay_port}")
    port = free_port()
    serving = asyncio.create_task(intake.serve("127.0.0.1", port, max_bytes=1_000_000))
    await asyncio.sleep(0.1)
    try:
        yield Channel(port, outbox, runtime)
    finally:
        serving.cancel()
        relay.close()
        await runtime.engine.dispose()


def complaint_email(message_id: str = "<m-1@customer.example>") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "王芳 <wangfang@customer.example>"
    message["To"] = ADDRESS
    message["Subject"] = "冰箱不制冷"
    message["Message-ID"] = message_id
    message.set_content("上周购买的冰箱完全不制冷，请尽快处理。订单 SO-5521。")
    message.add_attachment(b"\xff\xd8" + b"x" * 1232, maintype="image", subtype="jpeg", filename="photo.jpg")
    return message


def send(port: int, message: EmailMessage, to: str = ADDRESS) -> tuple[int, str]:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        client.mail("wangfang@customer.example")
        code, reply = client.rcpt(to)
        if code != 250:
            return code, reply.decode()
        code, reply = client.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
        return code, reply.decode()


async def test_an_email_becomes_a_complaint_and_the_sender_gets_its_number(channel: Channel) -> None:
    code, reply = await asyncio.to_thread(send, channel.port, complaint_email())
    assert code == 250, reply
    number = reply.rsplit(" ", 1)[-1]
    assert number.startswith("TS-")

    events = await channel.runtime.store.read_stream(number)
    received = events[0].payload
    assert events[0].type == "ComplaintReceived" and received["channel"] == "email"
    assert received["subject"] == "冰箱不制冷"
    assert "wangfang@customer.example" not in str(received) and "王芳" not in str(received)
    assert received["personal_data"]["alg"] == "AES-256-GCM"  # sealed with the sender's own key
    assert "请尽快处理" in received["content"]
    assert "[attachments: photo.jpg (1234 bytes)]" in received["content"]

    assert len(channel.outbox.messages) == 1
    answer = channel.outbox.messages[0]
    assert answer["To"] == "wangfang@customer.example"
    assert number in str(answer["Subject"])
    assert number in answer.get_content()

    again = await asyncio.to_thread(send, channel.port, complaint_email())
    assert again == (code, reply)  # the same message resent: the same complaint


async def test_only_the_complaints_address_is_accepted(channel: Channel) -> None:
    code, reply = await asyncio.to_thread(
        send, channel.port, complaint_email("<m-2@x>"), "sales@tousu.example"
    )
    assert code == 550 and ADDRESS in reply
