"""Accept (签收), progress (进展), resolve (答复): every write answers with the new stream version."""

from __future__ import annotations

import pytest

from shared.complaints.values import Category
from tests.integration.routing.conftest import Routing
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_accept_progress_resolve(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    accepted = await routing.act(complaint_no, "accept")
    progressed = await routing.act(complaint_no, "progress", {"note": "已联系客户，约定上门检测"})
    resolved = await routing.act(
        complaint_no, "resolve", {"resolution": "更换进水管并补偿", "root_cause": "进水管接头松动"}
    )

    assert [r.status_code for r in (accepted, progressed, resolved)] == [200, 200, 200]
    assert accepted.json() == {
        "complaint_no": complaint_no,
        "stream_version": 3,
        "status": "accepted",
        "department": "quality",
        "events": ["ComplaintAccepted"],
    }
    assert (progressed.json()["stream_version"], progressed.json()["status"]) == (4, "in_progress")
    assert (resolved.json()["stream_version"], resolved.json()["status"]) == (5, "resolved")
    stream = await routing.stream(complaint_no)
    assert [e.type for e in stream][2:] == ["ComplaintAccepted", "ProgressRecorded", "ComplaintResolved"]
    assert stream[2].actor.id == "agent-quality" and stream[2].payload["agent"] == "agent-quality"
    assert stream[4].payload == {
        "department": "quality",
        "resolution": "更换进水管并补偿",
        "root_cause": "进水管接头松动",
    }
    item = await routing.listed("quality", complaint_no, 5)
    assert (item["status"], item["agent"]) == ("resolved", "agent-quality")


async def test_a_supervisor_may_work_any_department_complaint(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.DELIVERY)

    accepted = await routing.act(complaint_no, "accept", role="supervisor")
    resolved = await routing.act(complaint_no, "resolve", {"resolution": "已补发"}, role="admin")

    assert (accepted.status_code, resolved.status_code) == (200, 200)
    assert resolved.json()["department"] == "logistics"
    assert resolved.json()["status"] == "resolved"


async def test_accept_takes_an_empty_body_or_none(routing: Routing) -> None:
    complaint_no, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)

    response = await routing.client.post(
        f"/v1/complaints/{complaint_no}/accept",
        headers=bearer("admin"),
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"
