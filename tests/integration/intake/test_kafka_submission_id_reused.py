"""A Kafka submission that reuses a received ``submission_id`` with other content is not dropped:
it becomes a dead letter ``idempotency_key_reused`` (as HTTP answers a reused Idempotency-Key
with a 422), and nothing is recorded for it. The same content again is a redelivery: nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.intake.conftest import Intake
from tests.integration.intake.entrypoints import (
    kafka_letters,
    kafka_refusal,
    publish,
    received_with_subject,
)
from tests.support.running import eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CHANNEL_ID = "wechat-bot"


def submission(submission_id: str, subject: str) -> dict[str, object]:
    return {
        "submission_id": submission_id,
        "channel_id": CHANNEL_ID,
        "channel": "online",
        "complainant_kind": "customer",
        "complainant": {"name": "Li Na", "email": "li.na@example.com"},
        "category": "delivery",
        "subject": subject,
        "content": "Order SO-1234 has not arrived.",
        "order_refs": ["SO-1234"],
    }


async def test_a_reused_submission_id_with_other_content_is_dead_lettered(intake: Intake) -> None:
    sid = f"wx-{uuid.uuid4().hex[:8]}"
    first, other = f"Parcel late {sid}", f"Something else {sid}"
    await publish(intake.settings, submission(sid, first))
    [number] = await eventually(lambda: received_with_subject(intake.settings, first), what="received")

    await publish(intake.settings, submission(sid, other), submission(sid, first))

    reason = await kafka_refusal(intake.settings, CHANNEL_ID, sid)
    assert reason.startswith("idempotency_key_reused: ")
    assert sid in reason and "li.na@example.com" not in reason
    assert await received_with_subject(intake.settings, other) == []
    assert await received_with_subject(intake.settings, first) == [number]

    # the first content once more is a redelivery: neither a complaint nor a letter
    later = f"wx-{uuid.uuid4().hex[:8]}"
    await publish(intake.settings, submission(later, f"Parcel late {later}"))
    await eventually(lambda: received_with_subject(intake.settings, f"Parcel late {later}"), what="next")
    assert len(await kafka_letters(intake.settings, CHANNEL_ID, sid)) == 1
