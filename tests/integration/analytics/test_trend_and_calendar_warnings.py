"""GET /v1/kpis/trend (one KPI per period, empty periods included, with the target) and
GET /v1/calendar-warnings (open complaints whose deadlines the SLA calendar counted without a
year's holidays), and regrading moves a complaint between grade slices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.clock import FakeClock
from shared.complaints import Grade, RegradeComplaint, SlaCalendarYearUnknown, SlaStage, Status
from shared.events import Actor, NewEvent
from tests.builders import supervisor
from tests.integration.analytics.conftest import Analytics, new_number
from tests.integration.analytics.insight_histories import history_at, later
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

DAY1 = datetime(2026, 4, 6, 2, tzinfo=UTC)
DAY3 = datetime(2026, 4, 8, 2, tzinfo=UTC)


async def test_the_trend_has_every_period_and_the_target(analytics: Analytics) -> None:
    a, b, c = new_number(), new_number(), new_number()
    await analytics.projected(
        {
            a: await analytics.put(a, history_at(Status.CLOSED, a, DAY1)),
            b: await analytics.put(b, history_at(Status.REOPENED, b, DAY3)),
            c: await analytics.put(c, history_at(Status.CLOSED, c, DAY3)),
        }
    )
    response = await analytics.client.get(
        "/v1/kpis/trend?kpi=reopen_rate&granularity=day&from=2026-04-06&to=2026-04-08",
        headers=bearer("operator"),
    )
    assert response.status_code == 200, response.text
    trend = response.json()
    assert (trend["target"], trend["direction"], trend["unit"]) == (10, "at_most", "percent")
    assert [(p["period"], p["value"], p["received"]) for p in trend["points"]] == [
        ("2026-04-06", 0.0, 1),
        ("2026-04-07", None, 0),
        ("2026-04-08", 50.0, 2),
    ]
    assert [p["rag"] for p in trend["points"]] == ["green", None, "red"]
    weekly = await analytics.client.get(
        "/v1/kpis/trend?kpi=satisfaction&granularity=week&from=2026-04-01&to=2026-04-30",
        headers=bearer("operator"),
    )
    assert [p["period"] for p in weekly.json()["points"]][:2] == ["2026-03-30", "2026-04-06"]
    bad = await analytics.client.get("/v1/kpis/trend?kpi=happiness", headers=bearer("operator"))
    assert bad.status_code == 422


async def test_calendar_gaps_of_open_complaints_are_listed(analytics: Analytics) -> None:
    open_no, closed_no = new_number(), new_number()
    versions = {
        open_no: await analytics.put(open_no, history_at(Status.ACCEPTED, open_no, DAY1)),
        closed_no: await analytics.put(closed_no, history_at(Status.CLOSED, closed_no, DAY1)),
    }
    warning = SlaCalendarYearUnknown(
        stage=SlaStage.RESOLUTION,
        deadline=datetime(2027, 1, 4, tzinfo=UTC),
        years=[2027],
        message="The deadline reaches into 2027",
        message_zh="时限跨入 2027 年",
    )
    for no in (open_no, closed_no):
        appended = await analytics.store.append(
            no, versions[no], [NewEvent.of(warning, actor=Actor.service("sla"), clock=FakeClock(DAY1))]
        )
        versions[no] = appended.stream_version
    await analytics.projected(versions)

    body = (await analytics.client.get("/v1/calendar-warnings", headers=bearer("supervisor"))).json()
    assert body["years"] == [2027]
    assert [item["complaint_no"] for item in body["items"]] == [open_no]
    assert "2027" in body["message"]["zh-CN"] and "plain weekdays" in body["message"]["en"]
    other = (await analytics.client.get("/v1/calendar-warnings", headers=bearer("agent", "hr"))).json()
    assert other == {"years": [], "message": {"zh-CN": "", "en": ""}, "items": []}


async def test_a_regraded_complaint_moves_to_its_new_grade_slice(analytics: Analytics) -> None:
    no = new_number()
    when = datetime(2026, 5, 5, 2, tzinfo=UTC)
    history = later(
        history_at(Status.ACCEPTED, no, when),
        RegradeComplaint(actor=supervisor(), at=when, grade=Grade.URGENT, reason="安全隐患"),
    )
    await analytics.projected({no: await analytics.put(no, history)})
    kpis = await analytics.client.get(
        "/v1/kpis?from=2026-05-05&to=2026-05-05&by=grade", headers=bearer("supervisor")
    )
    assert [(s["group"], s["received"]) for s in kpis.json()["totals"]] == [("urgent", 1)]
    stats = (await analytics.client.get("/v1/stats", headers=bearer("supervisor"))).json()
    assert {i["code"]: i["count"] for i in stats["by_grade"]}["urgent"] >= 1
