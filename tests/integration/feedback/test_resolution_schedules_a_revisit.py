"""After ComplaintResolved the feedback service schedules the revisit (回访), due 3 days later."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.complaints.state import fold_recorded
from shared.complaints.values import Status
from shared.events import Role
from tests.builders import T0
from tests.integration.feedback.conftest import Feedback
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_a_resolved_complaint_gets_a_revisit_due_three_days_later(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED, "after_sales")
    resolved = await feedback.event(complaint_no, "ComplaintResolved")

    scheduled = await feedback.event(complaint_no, "RevisitScheduled")

    assert datetime.fromisoformat(scheduled.payload["due_at"]) == T0 + timedelta(days=3)
    assert scheduled.actor.role is Role.SERVICE and scheduled.actor.id == "feedback"
    assert scheduled.causation_id == resolved.event_id
    assert fold_recorded(await feedback.stream(complaint_no)).status is Status.REVISIT_PENDING


async def test_the_revisit_is_on_the_customer_service_list(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED, "logistics")
    scheduled = await feedback.event(complaint_no, "RevisitScheduled")

    item = await feedback.revisit(complaint_no, scheduled.stream_version)

    assert item == {
        "complaint_no": complaint_no,
        "department": "logistics",
        "department_label": "物流部",
        "due_at": "2026-01-08T01:00:00Z",
        "overdue": False,
        "status": "pending",
        "status_label": "待回访",
        "scheduled_at": item["scheduled_at"],
        "completed_at": None,
        "outcome": None,
        "outcome_label": None,
        "score": None,
        "rounds": 1,
        "stream_version": scheduled.stream_version,
        "complainant": item["complainant"],  # whom to call: test_revisit_list
    }
    assert item["complainant"]["status"] == "erased"  # the builders' key is not in the key table


async def test_a_redelivered_resolution_schedules_one_revisit(feedback: Feedback) -> None:
    complaint_no = await feedback.complaint_in(Status.RESOLVED)
    resolved = await feedback.event(complaint_no, "ComplaintResolved")
    await feedback.event(complaint_no, "RevisitScheduled")
    scheduler = feedback.runtime.consumers[0]
    duplicates = scheduler.duplicates

    await feedback.runtime.producer.send_and_wait(
        feedback.settings.topic_events, value=resolved.to_wire(), key=complaint_no.encode()
    )

    async def redelivered() -> bool:
        return scheduler.duplicates > duplicates

    await eventually(redelivered, what="the redelivery consumed")
    types = [e.type for e in await feedback.stream(complaint_no)]
    assert types.count("RevisitScheduled") == 1
    assert types[-1] == "RevisitScheduled"
