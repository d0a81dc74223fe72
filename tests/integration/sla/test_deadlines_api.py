"""GET /v1/deadlines and GET /v1/complaints/{no}/deadlines: who sees what, filters, paging, errors."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from shared.complaints import Grade
from tests.builders import DEPT, OTHER_DEPT
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import new_complaint_no, settled
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def _assigned(sla: Sla, department: str, grade: Grade = Grade.GENERAL) -> str:
    no = await sla.complaints.receive(grade)
    await sla.complaints.assign(no, department)
    await settled(sla.engine, sla.store, no)
    return no


async def test_a_complaints_clocks_with_labels_in_both_languages(sla: Sla) -> None:
    no = await _assigned(sla, DEPT)
    response = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("supervisor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["complaint_no"] == no
    assert [(i["stage"], i["generation"], i["state"]) for i in body["items"]] == [
        ("resolution", 1, "open"),
        ("first_response", 1, "open"),
    ]
    first = body["items"][1]
    assert first["stage_label"] == {"zh-CN": "首次响应", "en": "First response"}
    assert first["state_label"] == {"zh-CN": "计时中", "en": "Running"}
    assert first["department_label"] == {"zh-CN": "质量部", "en": "Quality"}
    assert first["department"] == DEPT and first["grade"] == "general"
    assert first["stopped_at"] is None and first["stop_reason"] is None


async def test_agents_see_only_their_departments_complaints(sla: Sla) -> None:
    no = await _assigned(sla, DEPT)
    own = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("agent", DEPT))
    other = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("agent", OTHER_DEPT))
    assert own.status_code == 200
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"


async def test_an_unknown_complaint_is_404(sla: Sla) -> None:
    response = await sla.client.get(
        f"/v1/complaints/{new_complaint_no()}/deadlines", headers=bearer("operator")
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


async def test_the_list_filters_by_complaint_state_and_stage(sla: Sla) -> None:
    start = sla.clock.now()
    no = await _assigned(sla, DEPT, Grade.URGENT)
    sla.clock.set(start + timedelta(hours=3, minutes=30))  # first-response warning due
    await sla.firer.fire_due()

    async def listed(**params: str) -> list[tuple[str, str]]:
        response = await sla.client.get(
            "/v1/deadlines", params={"complaint_no": no, **params}, headers=bearer("operator")
        )
        assert response.status_code == 200, response.text
        return [(item["stage"], item["state"]) for item in response.json()["items"]]

    assert await listed() == [("first_response", "warned"), ("resolution", "open")]
    assert await listed(state="warned") == [("first_response", "warned")]
    assert await listed(state="open") == [("resolution", "open")]
    assert await listed(state="breached") == []
    assert await listed(stage="resolution") == [("resolution", "open")]

    sla.clock.set(start + timedelta(hours=4, minutes=1))
    await sla.firer.fire_due()
    assert await listed(state="breached") == [("first_response", "breached")]
    await sla.complaints.accept(no, DEPT)
    await settled(sla.engine, sla.store, no)
    assert await listed(state="stopped") == [("first_response", "stopped")]


async def test_agents_list_only_their_department(sla: Sla) -> None:
    ours = await _assigned(sla, "finance")
    theirs = await _assigned(sla, "logistics")
    seen = await sla.client.get("/v1/deadlines", params={"limit": 500}, headers=bearer("agent", "finance"))
    assert seen.status_code == 200
    numbers = {item["complaint_no"] for item in seen.json()["items"]}
    assert ours in numbers and theirs not in numbers
    assert {item["department"] for item in seen.json()["items"]} == {"finance"}

    refused = await sla.client.get(
        "/v1/deadlines", params={"department": "logistics"}, headers=bearer("agent", "finance")
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert refused.json()["message_zh"]


async def test_pages_follow_the_cursor_without_gaps_or_repeats(sla: Sla) -> None:
    numbers = {await _assigned(sla, "hr") for _ in range(3)}  # 6 clocks in hr
    seen: list[tuple[str, str, int]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"department": "hr", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await sla.client.get("/v1/deadlines", params=params, headers=bearer("supervisor"))
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        seen += [(i["complaint_no"], i["stage"], i["generation"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ours = [key for key in seen if key[0] in numbers]
    assert len(ours) == 6 and len(set(seen)) == len(seen)


@pytest.mark.parametrize(
    ("role", "department", "status"),
    [("channel", None, 403), ("auditor", None, 403), ("admin", None, 200), ("supervisor", None, 200)],
)
async def test_who_may_read_deadlines(sla: Sla, role: str, department: str | None, status: int) -> None:
    response = await sla.client.get("/v1/deadlines", headers=bearer(role, department))
    assert response.status_code == status
    if status == 403:
        assert response.json()["error"] == "forbidden"


async def test_no_token_is_401(sla: Sla) -> None:
    response = await sla.client.get("/v1/deadlines")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def _cursor(due: str) -> str:
    raw = json.dumps([due, "TS-1", "resolution", 1]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "late"}, "query.state"),
        ({"stage": "lunch"}, "query.stage"),
        ({"limit": "0"}, "query.limit"),
        ({"limit": "501"}, "query.limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        # a cursor's instant with no UTC equivalent (was a 500)
        ({"cursor": _cursor("0001-01-01T00:00:00+14:00")}, "cursor"),
        ({"cursor": _cursor("9999-12-31T23:59:59-14:00")}, "cursor"),
    ],
)
async def test_bad_queries_are_422_naming_the_field(sla: Sla, params: dict[str, str], field: str) -> None:
    response = await sla.client.get("/v1/deadlines", params=params, headers=bearer("operator"))
    assert response.status_code == 422
    body = response.json()
    assert body["error"] in ("invalid_request", "invalid_cursor")
    assert field in [error["field"] for error in body["errors"]]
