"""A supervisor closes a complaint that cannot be resolved only with the reason and the follow-up
plan; its pending revisit is then done (unresolvable)."""

from __future__ import annotations

import pytest

from shared.complaints.values import Status
from tests.integration.feedback.conftest import Feedback
from tests.support.auth import bearer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_closing_as_unresolvable_needs_the_reason_and_the_plan(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    pending = await feedback.revisit(complaint_no)
    url = f"/v1/complaints/{complaint_no}/close-unresolvable"

    no_plan = await feedback.client.post(
        url, json={"reason": "停产型号无法更换"}, headers=bearer("supervisor")
    )
    assert no_plan.status_code == 409
    assert no_plan.json()["error"] == "unresolvable_without_plan" and no_plan.json()["message_zh"]
    by_agent = await feedback.client.post(
        url, json={"reason": "r", "follow_up_plan": "p"}, headers=bearer("agent", "customer_service")
    )
    assert by_agent.status_code == 403

    body = {"reason": "停产型号无法更换", "follow_up_plan": "新型号上市后优先联系投诉人"}
    closed = await feedback.client.post(url, json=body, headers=bearer("supervisor"))

    assert closed.status_code == 200, closed.text
    assert closed.json()["events"] == ["ComplaintDeclaredUnresolvable", "ComplaintClosed"]
    done = await feedback.revisit(complaint_no, version=pending["stream_version"] + 2)
    assert done["status"] == "done" and done["outcome"] == "unresolvable"
