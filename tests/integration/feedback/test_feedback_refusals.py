"""Refusals of POST /v1/complaints/{no}/feedback: 401, 403, 404, 409 and 422."""

from __future__ import annotations

import pytest

from shared.complaints.values import Status
from tests.integration.feedback.conftest import Feedback

pytestmark = pytest.mark.integration

SATISFIED = {"satisfied": True, "score": 5}


async def test_feedback_on_an_open_complaint_409(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.ACCEPTED)

    response = await feedback.give(complaint_no, SATISFIED)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "feedback_on_open_complaint"
    assert (
        body["message"] == "Feedback is taken only after the complaint is resolved; its status is accepted."
    )
    assert body["message_zh"] == "投诉尚未答复（当前状态「已签收」），不能评价。"
    assert body["stream_version"] == 4
    assert (await feedback.stream(complaint_no))[-1].type == "CommandRejected"


async def test_feedback_on_a_closed_complaint_409(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.CLOSED)

    response = await feedback.give(complaint_no, SATISFIED)

    assert response.status_code == 409
    assert response.json()["error"] == "already_closed"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"satisfied": True, "score": 0}, ["score"]),
        ({"satisfied": True, "score": 6}, ["score"]),
        ({"satisfied": True, "score": "five"}, ["score"]),
        ({"satisfied": True}, ["score"]),
        ({"score": 3}, ["satisfied"]),
        ({"satisfied": True, "score": 5, "comment": "好" * 2001}, ["comment"]),
        ({"satisfied": True, "score": 5, "by": "someone"}, ["by"]),
    ],
)
async def test_a_bad_body_422(feedback: Feedback, body: dict[str, object], fields: list[str]) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    before = len(await feedback.stream(complaint_no))

    response = await feedback.give(complaint_no, body)

    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert [e["field"] for e in response.json()["errors"]] == fields
    types = [e.type for e in await feedback.stream(complaint_no)][before:]
    assert "FeedbackReceived" not in types and "CommandRejected" not in types


async def test_an_unknown_complaint_404(feedback: Feedback) -> None:
    response = await feedback.give("TS-NO-SUCH", SATISFIED)

    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no complaint TS-NO-SUCH"}


@pytest.mark.parametrize(
    ("role", "department"),
    [("agent", "quality"), ("operator", None), ("auditor", None), ("channel", None)],
)
async def test_only_customer_service_supervisors_and_admins_403(
    feedback: Feedback, role: str, department: str | None
) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)

    response = await feedback.give(complaint_no, SATISFIED, role=role, department=department)

    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"


async def test_without_a_token_401(feedback: Feedback) -> None:
    response = await feedback.client.post("/v1/complaints/TS-X/feedback", json=SATISFIED)

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
