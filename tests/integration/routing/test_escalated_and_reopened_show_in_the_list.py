"""The work list follows every complaint event: escalation and reopening show as flags, and a
reopened complaint is back in its department's list."""

from __future__ import annotations

import pytest

from shared.clock import SystemClock
from shared.complaints.values import Category
from shared.eventstore.complaint_handling import execute
from tests.builders import escalate, feedback, reopen
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration


async def test_escalation_is_flagged(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    outcome = await execute(
        routing.store, complaint_no, escalate(when=SystemClock().now()), clock=SystemClock()
    )

    item = await routing.listed("quality", complaint_no, outcome.stream_version)
    assert (item["escalated"], item["escalation_level"], item["status"]) == (True, 1, "assigned")


async def test_a_dissatisfied_complaint_comes_back_to_its_department(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    await routing.act(complaint_no, "accept")
    resolved = await routing.act(complaint_no, "resolve", {"resolution": "已更换"})
    await routing.listed("quality", complaint_no, resolved.json()["stream_version"])

    outcome = await execute(routing.store, complaint_no, feedback(satisfied=False), clock=SystemClock())

    item = await routing.listed("quality", complaint_no, outcome.stream_version)
    assert (item["status"], item["reopened"], item["reopen_count"]) == ("reopened", True, 1)
    default_list = await routing.listing("quality", status="reopened")
    assert complaint_no in [i["complaint_no"] for i in default_list["items"]]
    again = await routing.act(complaint_no, "resolve", {"resolution": "再次上门维修"})
    assert again.status_code == 200 and again.json()["status"] == "resolved"


async def test_closed_then_reopened_by_a_supervisor(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    await routing.act(complaint_no, "accept")
    await routing.act(complaint_no, "resolve", {"resolution": "已更换"})
    closed = await execute(routing.store, complaint_no, feedback(satisfied=True), clock=SystemClock())
    await routing.listed("quality", complaint_no, closed.stream_version)
    open_only = await routing.listing("quality")
    assert complaint_no not in [i["complaint_no"] for i in open_only["items"]]

    reopened = await execute(routing.store, complaint_no, reopen(), clock=SystemClock())

    item = await routing.listed("quality", complaint_no, reopened.stream_version)
    assert (item["status"], item["reopened"]) == ("reopened", True)
    assert complaint_no in [i["complaint_no"] for i in (await routing.listing("quality"))["items"]]
