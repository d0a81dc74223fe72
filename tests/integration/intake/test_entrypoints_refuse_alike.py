"""HTTP, Kafka and email submissions go through one handler (services/intake/submit.py): the same
refused submission gets the same refusal from each, in each one's terms — HTTP a 4xx whose
``error`` is the code, Kafka a dead letter whose reason starts with it, email a ``554`` naming
it — and nothing is recorded for it.

* a key used before for another submission (Idempotency-Key, submission_id, Message-ID):
  ``idempotency_key_reused``;
* a submitter the policy does not allow on the channel: ``channel_not_allowed``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from services.intake.policy import default_policy_file, load_policy
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.integration.intake.entrypoints import (
    SENDER,
    email,
    email_listener,
    kafka_refusal,
    publish,
    received_with_subject,
    send_email,
    smtp_refusal,
)
from tests.support import auth
from tests.support.auth import bearer
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

CHANNEL_ID = "wechat-bot"
PACKAGED_EMAIL = 'email: {roles: [agent, supervisor], channel_ids: ["*"]}'
NARROWED_EMAIL = "email: {roles: [agent, supervisor], channel_ids: [mail-gateway]}"
"""Only the organisation's mail gateway submits on the email channel: not a channel token, not a
Kafka channel system, not the built-in listener (channel system ``email``)."""


@dataclass
class Entrypoints:
    client: httpx.AsyncClient
    settings: Settings
    policy_file: Path


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def entrypoints(  # type: ignore[no-untyped-def]
    new_database, kafka_backend, tmp_path_factory
) -> AsyncIterator[Entrypoints]:
    packaged = default_policy_file().read_text(encoding="utf-8")
    assert PACKAGED_EMAIL in packaged
    policy_file = tmp_path_factory.mktemp("policy") / "grading.yaml"
    policy_file.write_text(packaged.replace(PACKAGED_EMAIL, NARROWED_EMAIL), encoding="utf-8")
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(
        settings,
        tokens=auth.test_tokens(),
        config=IntakeSettings(grading_file=policy_file),
        lapse_in_background=False,
    )
    async with running(app) as client:
        yield Entrypoints(client, settings, policy_file)


def body(subject: str, channel: str = "email") -> dict[str, object]:
    """What the email channel makes of :func:`email` (sender, category other), as JSON."""
    return {
        "channel": channel,
        "complainant_kind": "customer",
        "complainant": {"name": "王芳", "email": SENDER},
        "category": "other",
        "subject": subject,
        "content": "冰箱完全不制冷，请尽快处理。",
    }


def kafka(submission_id: str, subject: str, channel: str = "email") -> dict[str, object]:
    return {**body(subject, channel), "submission_id": submission_id, "channel_id": CHANNEL_ID}


async def test_a_reused_key_is_refused_alike(entrypoints: Entrypoints) -> None:
    settings, tag = entrypoints.settings, uuid.uuid4().hex[:8]
    first, other = f"冰箱不制冷 {tag}", f"另一件事 {tag}"

    headers = {**bearer("channel"), "Idempotency-Key": f"key-{tag}"}
    taken = await entrypoints.client.post("/v1/complaints", json=body(first, "online"), headers=headers)
    assert taken.status_code == 202, taken.text
    reused = await entrypoints.client.post("/v1/complaints", json=body(other, "online"), headers=headers)
    assert reused.status_code == 422
    http = reused.json()["error"]

    await publish(settings, kafka(f"sid-{tag}", first, "online"))
    await eventually(lambda: _received_twice(settings, first), what="the Kafka submission received")
    await publish(settings, kafka(f"sid-{tag}", other, "online"))
    on_kafka = (await kafka_refusal(settings, CHANNEL_ID, f"sid-{tag}")).split(":", 1)[0]

    async with email_listener(settings, load_policy()) as port:  # email allowed here
        message_id = f"<m-{tag}@customer.example>"
        assert (await send_email(port, email(message_id, first, "冰箱完全不制冷。")))[0] == 250
        by_email = smtp_refusal(await send_email(port, email(message_id, other, "另一件事。")))

    assert http == on_kafka == by_email == "idempotency_key_reused"
    assert await received_with_subject(settings, other) == []
    assert len(await received_with_subject(settings, first)) == 3  # one per entrypoint, once each


async def _received_twice(settings: Settings, subject: str) -> bool:
    return len(await received_with_subject(settings, subject)) == 2


async def test_a_submitter_not_allowed_on_the_channel_is_refused_alike(entrypoints: Entrypoints) -> None:
    settings, tag = entrypoints.settings, uuid.uuid4().hex[:8]
    subject = f"冰箱不制冷 {tag}"

    refused = await entrypoints.client.post("/v1/complaints", json=body(subject), headers=bearer("channel"))
    assert refused.status_code == 403
    http = refused.json()["error"]

    await publish(settings, kafka(f"sid-{tag}", subject))
    on_kafka = (await kafka_refusal(settings, CHANNEL_ID, f"sid-{tag}")).split(":", 1)[0]

    async with email_listener(settings, load_policy(entrypoints.policy_file)) as port:
        by_email = smtp_refusal(await send_email(port, email(f"<m-{tag}@x>", subject, "冰箱完全不制冷。")))

    assert http == on_kafka == by_email == "channel_not_allowed"
    assert await received_with_subject(settings, subject) == []
