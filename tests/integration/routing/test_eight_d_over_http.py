"""Over HTTP: a severe complaint's 8D case is worked D1..D8 by the department, a quality engineer
and a supervisor, read back as it stands, and the refusals in between are 4xx with their codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.complaints.stages.eight_d import EightDCaseOpened
from shared.complaints.values import Category, EightDTrigger, Grade
from shared.eventstore import NO_STREAM
from tests.builders import as_new, new_complaint_no, received
from tests.integration.routing.conftest import Routing
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

TEAM = [{"name": "王工", "role": "leader"}, {"name": "孙工", "role": "quality_engineer", "subject": "qe-sun"}]
ATTACHMENT = {
    "file_name": "containment.pdf",
    "media_type": "application/pdf",
    "size_bytes": 48213,
    "sha256": "9f" * 32,
    "location": "https://dms.example.com/8d/containment.pdf",
}


async def a_severe_accepted(routing: Routing) -> tuple[str, str]:
    """A severe complaint received with its case (as intake's decision appends them), assigned and
    signed for."""
    no = new_complaint_no()
    complaint = received(complaint_no=no, grade=Grade.SEVERE, category=Category.PRODUCT_QUALITY)
    opened = EightDCaseOpened(case=1, cause=EightDTrigger.SEVERE_GRADE, grade=Grade.SEVERE)
    await routing.store.append(no, NO_STREAM, [as_new(complaint), as_new(opened)])
    department = (await routing.assignment(no)).payload["department"]
    accepted = await routing.act(no, "accept", department=department)
    assert accepted.status_code == 200, accepted.text
    return no, department


async def record(
    routing: Routing, no: str, discipline: str, body: dict[str, Any] | None = None, **who: Any
) -> httpx.Response:
    return await routing.act(
        no, f"8d/disciplines/{discipline}", body or {"content": f"{discipline} 完成"}, **who
    )


async def read(routing: Routing, no: str, role: str = "quality_engineer", **params: Any) -> httpx.Response:
    department = params.pop("department", None)
    return await routing.client.get(
        f"/v1/complaints/{no}/8d", params=params, headers=bearer(role, department)
    )


async def test_worked_from_d1_to_d8_and_read_back(routing: Routing) -> None:
    no, department = await a_severe_accepted(routing)

    d1 = await record(routing, no, "D1", {"content": "组建 8D 小组", "team": TEAM}, department=department)
    d2 = await record(routing, no, "D2", role="quality_engineer")
    d3 = await record(
        routing, no, "D3", {"content": "隔离库存", "attachments": [ATTACHMENT]}, role="supervisor"
    )
    d3_again = await record(routing, no, "D3", {"content": "扩大隔离范围"}, department=department)
    for d in ("D4", "D5", "D6", "D7"):
        assert (await record(routing, no, d, role="quality_engineer")).status_code == 200
    d8 = await record(routing, no, "D8", role="quality_engineer")

    assert [r.status_code for r in (d1, d2, d3, d3_again, d8)] == [200] * 5, d1.text
    assert d8.json()["events"] == ["EightDDisciplineRecorded", "EightDCaseClosed"]
    case = (await read(routing, no, lang="en")).json()
    assert case["closed"] and case["cause"] == "severe_grade" and case["missing"] == []
    d3_view = case["disciplines"][2]
    assert d3_view["label"] == "D3 Containment" and d3_view["content"] == "扩大隔离范围"
    assert d3_view["times_recorded"] == 2 and d3_view["attachments"] == []
    assert case["disciplines"][0]["team"][1]["role_label"] == "Quality engineer"


async def test_the_refusals(routing: Routing) -> None:
    no, department = await a_severe_accepted(routing)

    no_qe = await record(routing, no, "D1", {"content": "x", "team": TEAM[:1]}, department=department)
    early = await record(routing, no, "D8", role="supervisor")
    other = await record(routing, no, "D2", department="logistics" if department != "logistics" else "hr")
    auditor = await record(routing, no, "D2", role="auditor")
    unknown = await record(routing, no, "D9", role="supervisor")
    team_on_d2 = await record(routing, no, "D2", {"content": "x", "team": TEAM}, role="supervisor")

    assert (no_qe.status_code, no_qe.json()["error"]) == (409, "eight_d_no_quality_engineer")
    assert (early.status_code, early.json()["error"]) == (409, "eight_d_incomplete")
    assert "D1" in early.json()["message"] and "D1 组建团队" in early.json()["message_zh"]
    assert [other.status_code, auditor.status_code, unknown.status_code] == [404, 403, 422]
    assert team_on_d2.status_code == 422


async def test_opened_by_hand_once_and_read_only_by_its_department(routing: Routing) -> None:
    no, department = await routing.assigned(category=Category.PRODUCT_QUALITY)
    assert (await read(routing, no)).status_code == 404

    by_agent = await routing.act(no, "8d", {"reason": "同批次多次投诉"}, department=department)
    opened = await routing.act(no, "8d", {"reason": "同批次多次投诉"}, role="quality_engineer")
    again = await routing.act(no, "8d", {"reason": "再开一次"}, role="supervisor")

    assert by_agent.status_code == 403
    assert opened.status_code == 200 and opened.json()["events"] == ["EightDCaseOpened"]
    assert (again.status_code, again.json()["error"]) == (409, "eight_d_open")
    own = await read(routing, no, "agent", department=department)
    stranger = await read(routing, no, "agent", department="hr" if department != "hr" else "finance")
    assert own.json()["cause_label"] == "人工发起" and stranger.status_code == 404


async def test_operators_do_not_read_what_people_typed(routing: Routing) -> None:
    no, _ = await a_severe_accepted(routing)

    assert (await read(routing, no, "operator")).status_code == 403
    assert (await read(routing, no, "supervisor")).status_code == 200
