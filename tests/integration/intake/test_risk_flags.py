"""Risk flags through the real intake service: the rules flag a complaint at receipt (keywords in
either language, a regulator referral, the recurrence count), a regrade flags it again over Kafka,
staff flag and clear by hand over HTTP, and the PR owner hears of every flag."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
import pytest_asyncio

from services.intake.main import create_app
from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.integration.intake.conftest import Intake
from tests.support.auth import bearer, test_tokens
from tests.support.running import eventually, running
from tests.support.settings import settings_for

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


class Told:
    def __init__(self) -> None:
        self.told: list[tuple[str, list[str], str]] = []

    async def notify_pr_owner(self, complaint_no: str, rules: Sequence[str], source: str) -> None:
        self.told.append((complaint_no, list(rules), source))


TOLD = Told()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def intake(new_database, kafka_backend) -> AsyncIterator[Intake]:  # type: ignore[no-untyped-def]
    settings = settings_for(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, tokens=test_tokens(), risk_notifier=TOLD)
    async with running(app) as client:
        yield Intake(client, settings, app)


def _fresh(submission: dict[str, object], **changes: object) -> dict[str, object]:
    return {**submission, "product_refs": [f"P-{uuid.uuid4().hex[:12]}"], **changes}


async def _submit(intake: Intake, submission: dict[str, object], *role: str) -> str:
    response = await intake.client.post(
        "/v1/complaints", json=submission, headers=bearer(*(role or ("channel",)))
    )
    assert response.status_code == 202, response.text
    number: str = response.json()["complaint_no"]
    return number


async def _events(intake: Intake, number: str) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        stream = await PostgresEventStore(engine).read_stream(number)
    finally:
        await engine.dispose()
    return [(record.type, record.payload) for record in stream]


def _flags(events: list[tuple[str, dict[str, Any]]]) -> list[list[str]]:
    return [payload["rules"] for kind, payload in events if kind == "ComplaintRiskFlagged"]


async def test_the_rules_flag_at_receipt_and_the_pr_owner_hears_of_it(
    intake: Intake, submission: dict[str, object]
) -> None:
    media = await _submit(intake, _fresh(submission, content="再不处理我就找媒体曝光。"))
    english = await _submit(intake, _fresh(submission, content="I will call a journalist."))
    referred = await _submit(intake, _fresh(submission, channel="referral"), "agent", "customer_service")
    plain = await _submit(intake, _fresh(submission))
    assert _flags(await _events(intake, media)) == [["media-or-regulator-words"]]
    assert _flags(await _events(intake, english)) == [["media-or-regulator-words"]]
    assert _flags(await _events(intake, referred)) == [["regulator-referral"]]
    assert _flags(await _events(intake, plain)) == []

    async def told() -> bool:
        return {media, english, referred} <= {no for no, _, _ in TOLD.told}

    await eventually(told, what="the PR owner told of every flag")
    assert (referred, ["regulator-referral"], "auto") in TOLD.told


async def test_the_third_complaint_about_one_problem_is_flagged_for_the_repeats(
    intake: Intake, submission: dict[str, object]
) -> None:
    product = [f"P-{uuid.uuid4().hex[:12]}"]
    numbers = [await _submit(intake, {**submission, "product_refs": product}) for _ in range(3)]
    assert [_flags(await _events(intake, no)) for no in numbers] == [[], [], [["repeated-problem"]]]


async def test_a_regrade_to_urgent_flags_it_over_kafka(intake: Intake, submission: dict[str, object]) -> None:
    number = await _submit(intake, _fresh(submission))
    regraded = await intake.client.post(
        f"/v1/complaints/{number}/grade",
        json={"grade": "urgent", "reason": "涉及人身安全"},
        headers=bearer("supervisor"),
    )
    assert regraded.status_code == 200, regraded.text

    async def flagged() -> bool:
        return _flags(await _events(intake, number)) == [["urgent-grade"]]

    await eventually(flagged, what="the regrade flagged")


async def test_staff_flag_by_hand_and_the_pr_owner_clears(
    intake: Intake, submission: dict[str, object]
) -> None:
    number = await _submit(intake, _fresh(submission))
    path = f"/v1/complaints/{number}/risk-flag"
    assert (
        await intake.client.post(path, json={"reason": "x"}, headers=bearer("pr_owner"))
    ).status_code == 403
    other = await intake.client.post(path, json={"reason": "x"}, headers=bearer("agent", "quality"))
    assert other.status_code == 404  # an agent flags only their department's complaints
    flagged = await intake.client.post(path, json={"reason": "记者来电询问"}, headers=bearer("supervisor"))
    assert flagged.status_code == 200, flagged.text
    again = await intake.client.post(path, json={"reason": "again"}, headers=bearer("supervisor"))
    assert again.status_code == 409 and again.json()["error"] == "already_recorded"
    assert (
        await intake.client.post(path, json={"reason": ""}, headers=bearer("supervisor"))
    ).status_code == 422

    clear = f"{path}/clear"
    denied = await intake.client.post(clear, json={"reason": "x"}, headers=bearer("agent", "quality"))
    assert denied.status_code == 403
    cleared = await intake.client.post(
        clear, json={"reason": "已与投诉人达成和解"}, headers=bearer("pr_owner")
    )
    assert cleared.status_code == 200, cleared.text
    nothing = await intake.client.post(clear, json={"reason": "x"}, headers=bearer("supervisor"))
    assert nothing.status_code == 409 and nothing.json()["error"] == "not_flagged"
    missing = await intake.client.post(
        "/v1/complaints/TS-NONE/risk-flag", json={"reason": "x"}, headers=bearer("supervisor")
    )
    assert missing.status_code == 404

    events = await _events(intake, number)
    kinds = [kind for kind, _ in events if kind.startswith("ComplaintRisk")]
    assert kinds == ["ComplaintRiskFlagged", "ComplaintRiskFlagCleared"]
    manual = next(payload for kind, payload in events if kind == "ComplaintRiskFlagged")
    assert (manual["source"], manual["reason"]) == ("manual", "记者来电询问")

    async def told() -> bool:
        return (number, ["manual"], "manual") in TOLD.told

    await eventually(told, what="the PR owner told of the manual flag")
