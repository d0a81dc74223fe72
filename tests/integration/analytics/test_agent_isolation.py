"""Agents and department heads see their own department's complaints only: another's is 404, not
403. Channels read nothing."""

from __future__ import annotations

import pytest
import pytest_asyncio

from shared.complaints import Status
from tests.integration.analytics.conftest import Analytics, history_to, new_number
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

SCOPED = pytest.mark.parametrize("scoped", ["agent", "department_head"])
"""The roles held for one department."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def complaints(analytics: Analytics) -> dict[str, str]:
    """Two quality complaints, one after-sales complaint, one not yet dispatched."""
    made = {
        "quality": new_number(),
        "quality_closed": new_number(),
        "after_sales": new_number(),
        "unassigned": new_number(),
    }
    paths = {
        "quality": history_to(Status.IN_PROGRESS, made["quality"]),
        "quality_closed": history_to(Status.CLOSED, made["quality_closed"]),
        "after_sales": history_to(Status.ACCEPTED, made["after_sales"], "after_sales"),
        "unassigned": history_to(Status.RECEIVED, made["unassigned"]),
    }
    versions = {made[key]: await analytics.put(made[key], history) for key, history in paths.items()}
    await analytics.projected(versions)
    return made


@SCOPED
async def test_an_agent_reads_its_own_departments_complaint(
    analytics: Analytics, complaints: dict[str, str], scoped: str
) -> None:
    response = await analytics.client.get(
        f"/v1/complaints/{complaints['quality']}", headers=bearer(scoped, "quality")
    )
    assert response.status_code == 200
    assert response.json()["complaint"]["department"] == "quality"


@SCOPED
@pytest.mark.parametrize("which", ["after_sales", "unassigned"])
async def test_another_departments_complaint_is_not_found_for_an_agent(
    analytics: Analytics, complaints: dict[str, str], which: str, scoped: str
) -> None:
    no = complaints[which]
    hidden = await analytics.client.get(f"/v1/complaints/{no}", headers=bearer(scoped, "quality"))
    unknown = await analytics.client.get("/v1/complaints/TS-NO-SUCH-ONE", headers=bearer(scoped, "quality"))
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == {
        "error": "not_found",
        "message": f"no complaint {no}",
        "message_zh": f"没有编号为 {no} 的投诉",
    }
    assert unknown.json()["error"] == "not_found"


@pytest.mark.parametrize("role", ["supervisor", "operator", "auditor", "admin"])
async def test_other_roles_read_every_department(
    analytics: Analytics, complaints: dict[str, str], role: str
) -> None:
    for no in complaints.values():
        response = await analytics.client.get(f"/v1/complaints/{no}", headers=bearer(role))
        assert response.status_code == 200, (role, no)
    listed = (await analytics.client.get("/v1/complaints", headers=bearer(role))).json()
    assert listed["total"] == 4


@SCOPED
async def test_an_agents_list_holds_only_its_department(
    analytics: Analytics, complaints: dict[str, str], scoped: str
) -> None:
    mine = (await analytics.client.get("/v1/complaints", headers=bearer(scoped, "quality"))).json()
    assert sorted(item["complaint_no"] for item in mine["items"]) == sorted(
        [complaints["quality"], complaints["quality_closed"]]
    )
    assert mine["total"] == 2
    theirs = await analytics.client.get(
        "/v1/complaints?department=after_sales", headers=bearer(scoped, "quality")
    )
    assert theirs.status_code == 200 and theirs.json()["total"] == 0 and theirs.json()["items"] == []


@SCOPED
async def test_an_agents_stats_count_only_its_department(
    analytics: Analytics, complaints: dict[str, str], scoped: str
) -> None:
    mine = (await analytics.client.get("/v1/stats", headers=bearer(scoped, "quality"))).json()
    assert mine["department_scope"] == "quality"
    assert (mine["total"], mine["open_backlog"]) == (2, 1)
    assert [(d["code"], d["count"]) for d in mine["by_department"]] == [("quality", 2)]
    everything = (await analytics.client.get("/v1/stats", headers=bearer("auditor"))).json()
    assert everything["department_scope"] is None and everything["total"] == 4


@pytest.mark.parametrize("path", ["/v1/complaints/{no}", "/v1/complaints", "/v1/stats"])
async def test_channels_may_not_read_and_strangers_are_unauthorized(
    analytics: Analytics, complaints: dict[str, str], path: str
) -> None:
    url = path.format(no=complaints["quality"])
    forbidden = await analytics.client.get(url, headers=bearer("channel"))
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"
    anonymous = await analytics.client.get(url)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
    wrong = await analytics.client.get(url, headers={"Authorization": "Bearer not-a-known-token-at-all"})
    assert wrong.status_code == 401
