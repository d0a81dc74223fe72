"""Submitting through each of intake's entrypoints, and reading what each answered: HTTP (the
response), Kafka (the dead letter, a row in ``dead_letters``) and email (the SMTP reply)."""

from __future__ import annotations

import asyncio
import json
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from services.intake.email_channel import EmailIntake
from services.intake.policy import GradingPolicy
from services.intake.submit import Submissions
from shared.db.engine import create_engine
from shared.service.runtime import Runtime
from shared.settings import Settings
from tests.support.backends import free_port
from tests.support.running import eventually

ADDRESS = "complaints@tousu.example"
SENDER = "wangfang@customer.example"


async def publish(settings: Settings, *values: dict[str, Any]) -> None:
    """Publish submissions on the intake topic, in order (one key: one partition)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            key = str(value["channel_id"]).encode()
            await producer.send_and_wait(settings.topic_intake, value=json.dumps(value).encode(), key=key)
    finally:
        await producer.stop()


async def _rows(settings: Settings, sql: str, **params: Any) -> list[Any]:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())
    finally:
        await engine.dispose()


async def kafka_letters(settings: Settings, channel_id: str, submission_id: str) -> list[str]:
    """The reasons of the dead letters recorded for this Kafka submission (any content)."""
    rows = await _rows(
        settings,
        "SELECT reason FROM dead_letters WHERE consumer = 'intake-submissions' AND message_id LIKE :m",
        m=f"{channel_id}:{submission_id}:%",
    )
    return [row.reason for row in rows]


async def kafka_refusal(settings: Settings, channel_id: str, submission_id: str) -> str:
    """The reason of the dead letter of this Kafka submission, once it is recorded."""
    reasons = await eventually(
        lambda: kafka_letters(settings, channel_id, submission_id),
        timeout=30,
        what=f"the dead letter of {submission_id}",
    )
    assert len(reasons) == 1, reasons
    return str(reasons[0])


async def received_with_subject(settings: Settings, subject: str) -> list[str]:
    """The complaints received with this subject."""
    rows = await _rows(
        settings,
        "SELECT stream_id FROM events WHERE type = 'ComplaintReceived' AND payload->>'subject' = :s",
        s=subject,
    )
    return [row.stream_id for row in rows]


@asynccontextmanager
async def email_listener(
    settings: Settings, policy: GradingPolicy, runtime: Runtime | None = None
) -> AsyncIterator[int]:
    """The email channel on a port of its own, on ``policy``; yields the port."""
    runtime = runtime or Runtime("intake", settings)
    submissions = Submissions(runtime.store, policy, runtime.clock, ZoneInfo(settings.timezone))
    intake = EmailIntake(runtime, submissions, ADDRESS)
    port = free_port()
    serving = asyncio.create_task(intake.serve("127.0.0.1", port, max_bytes=1_000_000))
    try:
        await eventually(lambda: _listening(port), what="the email channel listening")
        yield port
    finally:
        serving.cancel()
        await runtime.engine.dispose()


async def _listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


def email(message_id: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"王芳 <{SENDER}>"
    message["To"] = ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


async def send_email(port: int, message: EmailMessage) -> tuple[int, str]:
    """The SMTP reply to ``message``: (code, text)."""

    def send() -> tuple[int, str]:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.ehlo()
            client.mail(SENDER)
            client.rcpt(ADDRESS)
            code, reply = client.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
            return code, reply.decode()

    return await asyncio.to_thread(send)


def smtp_refusal(reply: tuple[int, str]) -> str:
    """The refusal's code in a ``554 … (code)`` reply."""
    code, message = reply
    assert code == 554, reply
    return message.rsplit("(", 1)[-1].rstrip(")")
