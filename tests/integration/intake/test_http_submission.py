"""Channels submit complaints over HTTP: 202 with the number; retries are safe; bad input is a 422."""

from __future__ import annotations

import pytest

from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tests.integration.intake.conftest import Intake
from tests.support.auth import bearer
from tests.support.running import eventually

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_a_submission_is_received_and_acknowledged(
    intake: Intake, submission: dict[str, object]
) -> None:
    response = await intake.client.post("/v1/complaints", json=submission, headers=bearer("channel"))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["complaint_no"].startswith("TS-")
    assert body["stream_version"] == 1
    assert body["status"] == "received"

    engine = create_engine(intake.settings.database_url, pool_size=1)
    store = PostgresEventStore(engine)
    try:
        events = await eventually(
            lambda: _types_once_acknowledged(store, body["complaint_no"]), what="acknowledgement"
        )
        assert events == ["ComplaintReceived", "ComplaintAcknowledged"]
        first = (await store.read_stream(body["complaint_no"]))[0]
        assert first.actor.role == "channel" and first.actor.id == "test-channel"
        assert "complainant" not in first.payload and "张伟" not in str(first.payload)
        assert first.payload["personal_data"]["key_id"] == first.payload["complainant_id"]
    finally:
        await engine.dispose()


async def _types_once_acknowledged(store: PostgresEventStore, number: str) -> list[str] | None:
    types = [e.type for e in await store.read_stream(number)]
    return types if "ComplaintAcknowledged" in types else None


async def test_the_same_idempotency_key_returns_the_same_number(
    intake: Intake, submission: dict[str, object]
) -> None:
    headers = {**bearer("channel"), "Idempotency-Key": "retry-42"}
    first = await intake.client.post("/v1/complaints", json=submission, headers=headers)
    again = await intake.client.post("/v1/complaints", json=submission, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["complaint_no"] == again.json()["complaint_no"]

    changed = {**submission, "subject": "another matter"}
    reused = await intake.client.post("/v1/complaints", json=changed, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"] == "idempotency_key_reused"


async def test_invalid_input_names_each_field(intake: Intake, submission: dict[str, object]) -> None:
    bad = {**submission, "channel": "carrier-pigeon", "subject": "", "unexpected": 1}
    response = await intake.client.post("/v1/complaints", json=bad, headers=bearer("channel"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_request"
    fields = {e["field"] for e in body["errors"]}
    assert {"channel", "subject", "unexpected"} <= fields
    assert "13812345678" not in response.text  # values are not echoed back


async def test_anonymous_complaints_carry_no_identity(intake: Intake, submission: dict[str, object]) -> None:
    anonymous = {**submission, "complainant_kind": "employee", "anonymous": True, "category": "pay_benefits"}
    response = await intake.client.post("/v1/complaints", json=anonymous, headers=bearer("channel"))
    assert response.status_code == 422  # a complainant was given
    del anonymous["complainant"]
    response = await intake.client.post("/v1/complaints", json=anonymous, headers=bearer("channel"))
    assert response.status_code == 202, response.text


async def test_callers_need_a_valid_token_and_role(intake: Intake, submission: dict[str, object]) -> None:
    assert (await intake.client.post("/v1/complaints", json=submission)).status_code == 401
    wrong = {"Authorization": "Bearer not-a-token-at-all-xxxx"}
    assert (await intake.client.post("/v1/complaints", json=submission, headers=wrong)).status_code == 401
    auditor = await intake.client.post("/v1/complaints", json=submission, headers=bearer("auditor"))
    assert auditor.status_code == 403
    assert auditor.json()["error"] == "forbidden"
