"""Open co-operations (协同待办) for the dashboard, and the monthly report's co-operation figures per
co-operating department: asked, contributed (on time: before any breach of its co-operation
clocks), waived, breached."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from shared.complaints import SlaStage
from shared.complaints.stages.time_limits import RecordSlaBreach
from tests.builders import (
    COOP_DEPT,
    OTHER_DEPT,
    accept,
    accept_cooperation,
    agent,
    assign,
    contribute,
    receive,
    request_cooperation,
    service,
)
from tests.integration.analytics.conftest import Analytics, new_number, story
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return START + timedelta(hours=hours)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def complaint(analytics: Analytics) -> str:
    """Quality leads; logistics contributed in time; after-sales was asked, breached, silent."""
    no = new_number()
    late = RecordSlaBreach(
        actor=service("sla"),
        at=h(5),
        stage=SlaStage.COOPERATION_ACCEPTANCE,
        deadline=h(4),
        department=OTHER_DEPT,
    )
    history = story(
        receive(complaint_no=no, when=START),
        assign("quality", when=h(0.1)),
        accept(by=agent("quality"), when=h(0.2)),
        request_cooperation(COOP_DEPT, OTHER_DEPT, by=agent("quality"), when=h(1)),
        accept_cooperation(when=h(2)),
        contribute(when=h(3)),
        late,
    )
    await analytics.projected({no: await analytics.put(no, history)})
    return no


async def test_the_open_cooperations_for_staff_and_the_departments_involved(
    analytics: Analytics, complaint: str
) -> None:
    staff = (await analytics.client.get("/v1/cooperations", headers=bearer("supervisor"))).json()
    mine = [(i["department"], i["status"]) for i in staff["items"] if i["complaint_no"] == complaint]
    assert mine == [(OTHER_DEPT, "requested")]
    assert staff["items"][0]["lead_department_label"]["en"] == "Quality"

    for department, sees in (("quality", True), (OTHER_DEPT, True), (COOP_DEPT, False), ("hr", False)):
        listed = await analytics.client.get("/v1/cooperations", headers=bearer("agent", department))
        assert (complaint in [i["complaint_no"] for i in listed.json()["items"]]) is sees, department


async def test_the_monthly_report_counts_each_cooperating_department(
    analytics: Analytics, complaint: str
) -> None:
    response = await analytics.client.get(
        "/v1/reports/monthly", params={"month": "2026-11", "format": "csv"}, headers=bearer("supervisor")
    )
    assert response.status_code == 200, response.text
    rows = [
        r
        for r in csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")))
        if r["section"] == "cooperation"
    ]
    figures = {(r["group"], r["code"]): int(r["value"]) for r in rows}
    assert figures[(COOP_DEPT, "asked")] == figures[(COOP_DEPT, "on_time")] == 1
    assert figures[(COOP_DEPT, "breached")] == 0
    assert (figures[(OTHER_DEPT, "asked")], figures[(OTHER_DEPT, "contributed")]) == (1, 0)
    assert figures[(OTHER_DEPT, "breached")] == 1
    assert {r["label_zh"] for r in rows} >= {"发起协同", "按时提交", "协同超时"}
    pdf = await analytics.client.get(
        "/v1/reports/monthly", params={"month": "2026-11", "format": "pdf"}, headers=bearer("supervisor")
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
