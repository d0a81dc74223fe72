"""Intake grades each complaint by the policy and records the rule; agents regrade with a reason;
required fields per channel are enforced (422 naming them)."""

from __future__ import annotations

import uuid

import pytest

from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tests.integration.intake.conftest import Intake
from tests.support.auth import bearer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def _fresh(submission: dict[str, object], **changes: object) -> dict[str, object]:
    """The submission about a product no other test names (so the recurrence rule stays quiet)."""
    return {**submission, "product_refs": [f"P-{uuid.uuid4().hex[:12]}"], **changes}


async def _received(intake: Intake, number: str) -> dict[str, object]:
    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        stream = await PostgresEventStore(engine).read_stream(number)
    finally:
        await engine.dispose()
    return stream[0].payload


async def _submit(intake: Intake, submission: dict[str, object]) -> str:
    response = await intake.client.post("/v1/complaints", json=submission, headers=bearer("channel"))
    assert response.status_code == 202, response.text
    number: str = response.json()["complaint_no"]
    return number


async def test_an_urgency_keyword_makes_it_urgent_and_the_rule_is_recorded(
    intake: Intake, submission: dict[str, object]
) -> None:
    number = await _submit(intake, _fresh(submission, content="洗衣机漏电，孩子受伤了。"))
    payload = await _received(intake, number)
    assert payload["grade"] == "urgent"
    assert payload["assessment"] == {
        "scheme": "general_complex_urgent",
        "grade_rule": "urgency-keywords",
        "rules_fired": ["urgency-keywords"],
        "valid": True,
        "validity_rule": None,
        "recurrence": False,
    }


async def test_a_submitted_grade_may_raise_but_not_lower_and_must_be_in_the_scheme(
    intake: Intake, submission: dict[str, object]
) -> None:
    number = await _submit(intake, _fresh(submission, grade="complex"))
    payload = await _received(intake, number)
    assert payload["grade"] == "complex"
    assert payload["assessment"]["grade_rule"] == "submitted"  # type: ignore[index]

    wrong = await intake.client.post(
        "/v1/complaints", json={**submission, "grade": "severe"}, headers=bearer("channel")
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"] == "grade_not_in_scheme"
    assert [e["field"] for e in wrong.json()["errors"]] == ["grade"]


async def test_missing_required_fields_of_the_channel_are_named(
    intake: Intake, submission: dict[str, object]
) -> None:
    body = {**submission, "channel": "email", "complainant": {"name": "张伟"}}
    response = await intake.client.post("/v1/complaints", json=body, headers=bearer("channel"))
    assert response.status_code == 422
    answer = response.json()
    assert answer["error"] == "missing_fields"
    assert [e["field"] for e in answer["errors"]] == ["complainant.email"]
    assert "complainant.email" in answer["message"] and answer["message_zh"]


async def test_a_supervisor_regrades_with_a_reason(intake: Intake, submission: dict[str, object]) -> None:
    number = await _submit(intake, _fresh(submission))
    url = f"/v1/complaints/{number}/grade"
    response = await intake.client.post(
        url, json={"grade": "urgent", "reason": "涉及儿童安全"}, headers=bearer("supervisor")
    )
    assert response.status_code == 200, response.text
    assert response.json()["events"] == ["ComplaintRegraded"]

    # agents see (and regrade) only their department's complaints; this one is not assigned yet
    agent = await intake.client.post(
        url, json={"grade": "complex", "reason": "x"}, headers=bearer("agent", "quality")
    )
    assert agent.status_code == 404

    again = await intake.client.post(
        url, json={"grade": "urgent", "reason": "again"}, headers=bearer("supervisor")
    )
    assert again.status_code == 409 and again.json()["error"] == "same_grade"

    outside = await intake.client.post(
        url, json={"grade": "batch", "reason": "x"}, headers=bearer("supervisor")
    )
    assert outside.status_code == 422 and outside.json()["error"] == "grade_not_in_scheme"

    channel = await intake.client.post(
        url, json={"grade": "complex", "reason": "x"}, headers=bearer("channel")
    )
    assert channel.status_code == 403


async def test_the_same_product_and_problem_a_third_time_in_30_days_is_graded_up(
    intake: Intake, submission: dict[str, object]
) -> None:
    same = _fresh(submission)
    other_problem = {**same, "category": "delivery"}
    numbers = [await _submit(intake, body) for body in (same, other_problem, same, same)]
    payloads = [await _received(intake, number) for number in numbers]
    assert [p["grade"] for p in payloads] == ["general", "general", "general", "complex"]
    assert payloads[3]["assessment"]["grade_rule"] == "recurring-problem"  # type: ignore[index]
