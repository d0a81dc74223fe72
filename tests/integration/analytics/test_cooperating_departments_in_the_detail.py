"""The complaint's detail names the lead and its co-operating departments (牵头/协同) with each one's
state; an agent of a co-operating department reads the complaint too, but only its own part: the
other co-operating departments' entries are left out of its timeline; other departments get 404."""

from __future__ import annotations

import pytest
import pytest_asyncio

from shared.complaints import Status
from tests.builders import COOP_DEPT, OTHER_DEPT, accept_cooperation, contribute, request_cooperation
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def complaint(analytics: Analytics) -> str:
    """Quality leads; logistics signed for and contributed; after-sales was asked and is silent."""
    no = new_number()
    history = then(
        history_to(Status.IN_PROGRESS, no),
        request_cooperation(COOP_DEPT, OTHER_DEPT),
        accept_cooperation(),
        contribute(),
    )
    await analytics.projected({no: await analytics.put(no, history)})
    return no


async def test_the_lead_sees_every_cooperating_department_and_its_state(
    analytics: Analytics, complaint: str
) -> None:
    body = (
        await analytics.client.get(f"/v1/complaints/{complaint}", headers=bearer("agent", "quality"))
    ).json()

    assert body["viewer_role"] == "lead"
    assert [(c["department"], c["status"], c["status_label"]["en"]) for c in body["cooperations"]] == [
        ("logistics", "contributed", "Contributed"),
        ("after_sales", "requested", "Requested"),
    ]
    assert body["cooperations"][0]["agent"] == "coop-1"
    types = [e["type"] for e in body["timeline"]]
    assert types.count("CooperationRequested") == 2 and "ContributionRecorded" in types


async def test_a_cooperating_department_sees_its_own_part_only(analytics: Analytics, complaint: str) -> None:
    response = await analytics.client.get(f"/v1/complaints/{complaint}", headers=bearer("agent", OTHER_DEPT))

    assert response.status_code == 200
    body = response.json()
    assert (body["viewer_role"], body["complaint"]["department"]) == ("cooperating", "quality")
    assert [c["department"] for c in body["cooperations"]] == [OTHER_DEPT]
    about = [
        e["summary"].get("department") for e in body["timeline"] if e["type"].startswith(("Coop", "Contrib"))
    ]
    assert about == [OTHER_DEPT]


async def test_a_department_with_no_part_gets_404(analytics: Analytics, complaint: str) -> None:
    response = await analytics.client.get(f"/v1/complaints/{complaint}", headers=bearer("agent", "hr"))
    assert response.status_code == 404
    staff = await analytics.client.get(f"/v1/complaints/{complaint}", headers=bearer("supervisor"))
    assert staff.json()["viewer_role"] == "staff" and len(staff.json()["cooperations"]) == 2
