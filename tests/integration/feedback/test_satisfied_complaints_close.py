"""Satisfied (or explicitly accepting the solution): the complaint closes, the revisit is done."""

from __future__ import annotations

import pytest

from shared.complaints.values import Status
from shared.events import RecordedEvent
from tests.integration.feedback.conftest import Feedback
from tests.support.consumers import has_handled
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_satisfied_closes_the_complaint(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    scheduled = await feedback.event(complaint_no, "RevisitScheduled")

    response = await feedback.give(complaint_no, {"satisfied": True, "score": 5, "comment": "很满意"})

    assert response.status_code == 200, response.text
    assert response.json() == {
        "complaint_no": complaint_no,
        "stream_version": scheduled.stream_version + 2,
        "status": "closed",
        "department": "quality",
        "events": ["FeedbackReceived", "ComplaintClosed"],
    }
    stream = await feedback.stream(complaint_no)
    assert stream[-2].payload == {
        "satisfied": True,
        "score": 5,
        "comment": "很满意",
        "acknowledged": False,
        "channel": "phone",
    }
    assert stream[-2].actor.id == "agent-customer_service"
    assert stream[-1].payload == {"reason": "satisfied"}
    item = await feedback.revisit(complaint_no, scheduled.stream_version + 1)
    assert (item["status"], item["outcome"], item["score"]) == ("done", "satisfied", 5)
    assert item["completed_at"] is not None and item["outcome_label"] == "满意"


async def test_not_satisfied_but_accepting_the_solution_closes_too(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    scheduled = await feedback.event(complaint_no, "RevisitScheduled")

    response = await feedback.give(
        complaint_no, {"satisfied": False, "score": 3, "acknowledged": True}, role="supervisor"
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "closed"
    assert (await feedback.stream(complaint_no))[-1].payload == {"reason": "acknowledged"}
    item = await feedback.revisit(complaint_no, scheduled.stream_version + 1)
    assert (item["status"], item["outcome"]) == ("done", "acknowledged")


async def test_feedback_may_come_before_the_revisit_is_scheduled(feedback: Feedback) -> None:
    """The complainant may call back first; then no revisit is scheduled afterwards."""
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    version = len(await feedback.stream(complaint_no))

    response = await feedback.give(complaint_no, {"satisfied": True, "score": 4}, role="admin")

    assert response.status_code == 200
    resolved = await feedback.event(complaint_no, "ComplaintResolved")
    await eventually(lambda: handled(feedback, resolved), what="the resolution handled")
    types = [e.type for e in await feedback.stream(complaint_no)][version:]
    assert types in (
        ["FeedbackReceived", "ComplaintClosed"],
        ["RevisitScheduled", "FeedbackReceived", "ComplaintClosed"],  # the service was quicker
    )


async def handled(feedback: Feedback, event: RecordedEvent) -> bool:
    """The revisit scheduler has consumed ``event``."""
    return await has_handled(feedback.runtime.engine, "feedback", event)
