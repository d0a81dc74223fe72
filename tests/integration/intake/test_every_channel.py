"""Every channel over HTTP: a valid submission by a principal
the packaged policy allows on it is received (202); a principal it does not allow is refused with
403 and a machine-readable body; leaving out a field the channel requires is a 422 naming it.
One intake app for the module; the promises per channel: tests/unit/intake/every_channel.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from services.intake.config import IntakeSettings
from services.intake.main import create_app
from shared.events import Role
from shared.messaging.topics import ensure_topics
from shared.service.auth import TokenEntry, TokenRegistry
from tests.integration.intake.conftest import Intake
from tests.support.auth import DEPARTMENTS, token_for
from tests.support.running import running
from tests.support.settings import settings_for
from tests.unit.intake.every_channel import (
    EMPLOYEE_PLATFORM,
    EMPLOYEE_SESSION,
    PROMISES,
    SCHEMA_REQUIRED,
    ChannelPromise,
    Principal,
    valid_submission,
    without,
)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

AUDITOR = Principal(Role.AUDITOR, "test-auditor", token_for("auditor"))


def _tokens() -> TokenRegistry:
    """The test tokens plus the employee platform's channel token and one employee session."""
    entries = [
        TokenEntry(token=token_for(role.value), subject=f"test-{role.value}", role=role)
        for role in (Role.CHANNEL, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR, Role.ADMIN)
    ]
    entries += [
        TokenEntry(token=token_for("agent", d), subject=f"agent-{d}", role=Role.AGENT, department=d)
        for d in DEPARTMENTS
    ]
    entries += [
        TokenEntry(token=p.token, subject=p.subject, role=p.role)
        for p in (EMPLOYEE_PLATFORM, EMPLOYEE_SESSION)
    ]
    return TokenRegistry(entries)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(new_database, kafka_backend) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    # every channel, every principal: more submissions per token than the default burst allows
    app = create_app(settings, tokens=_tokens(), config=IntakeSettings(rate_burst=1000))
    async with running(app) as client:
        yield Intake(client, settings, app)


def _as(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {principal.token}"}


BY_CHANNEL = {"ids": lambda p: p.channel.value}


@pytest.mark.parametrize("promise", PROMISES, **BY_CHANNEL)
async def test_allowed_principals_submit(intake: Intake, promise: ChannelPromise) -> None:
    for principal in promise.allowed:
        body = valid_submission(promise, tag=principal.subject)
        response = await intake.client.post("/v1/complaints", json=body, headers=_as(principal))
        assert response.status_code == 202, (principal.subject, response.text)
        assert response.json()["complaint_no"].startswith("TS-")


@pytest.mark.parametrize("promise", PROMISES, **BY_CHANNEL)
async def test_principals_not_allowed_are_refused(intake: Intake, promise: ChannelPromise) -> None:
    for principal in promise.refused:
        body = valid_submission(promise, tag=principal.subject)
        response = await intake.client.post("/v1/complaints", json=body, headers=_as(principal))
        assert response.status_code == 403, (principal.subject, response.text)
        answer = response.json()
        assert answer["error"] == "channel_not_allowed"
        assert answer["channel"] == promise.channel.value and answer["role"] == principal.role.value
        assert answer["message"] and answer["message_zh"]
    # a role that never submits is refused on every channel, before the policy is asked
    response = await intake.client.post(
        "/v1/complaints", json=valid_submission(promise), headers=_as(AUDITOR)
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize("promise", PROMISES, **BY_CHANNEL)
async def test_missing_required_fields_are_named(intake: Intake, promise: ChannelPromise) -> None:
    principal = promise.allowed[0]
    valid = valid_submission(promise)
    for field in promise.required:
        response = await intake.client.post(
            "/v1/complaints", json=without(valid, field), headers=_as(principal)
        )
        assert response.status_code == 422, (field, response.text)
        answer = response.json()
        assert answer["error"] == "missing_fields"
        assert [error["field"] for error in answer["errors"]] == [field]
        assert field in answer["message"] and answer["message_zh"]

    lacking = {key: value for key, value in valid.items() if key not in SCHEMA_REQUIRED}
    response = await intake.client.post("/v1/complaints", json=lacking, headers=_as(principal))
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "invalid_request"
    assert set(SCHEMA_REQUIRED) <= {error["field"] for error in answer["errors"]}

    no_one = without(valid, "complainant")  # only anonymous employees may leave the complainant out
    response = await intake.client.post("/v1/complaints", json=no_one, headers=_as(principal))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
