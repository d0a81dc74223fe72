"""The weekly quality inspection: a reproducible 10 % sample of the week's closed complaints,
drawn once and recorded as an event in its own stream (auditors replay it), scored on the form,
scores per department, and failed inspections in the department scorecards."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.analytics.insights.queries import InsightsReadModel
from services.analytics.inspection.sample import IsoWeek, draw
from services.analytics.inspection.schedule import draw_last_week
from services.analytics.inspection.store import Inspections
from services.analytics.rebuild import rebuild
from shared.audit import replay_complaint
from shared.clock import FakeClock
from shared.complaints import Status
from tests.builders import sla_breach
from tests.integration.analytics.conftest import Analytics, new_number
from tests.integration.analytics.insight_histories import history_at, later
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

WEEK = "2026-W03"  # Monday 12 January 2026
CLOSED_AT = datetime(2026, 1, 13, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Asia/Shanghai")
FORM = {"attitude": 25, "timeliness": 20, "resolution": 20, "accuracy": 20}


async def test_draw_score_audit_and_scorecards(analytics: Analytics) -> None:
    closed = {new_number(): "quality" if i % 2 else "logistics" for i in range(12)}
    expected = {
        no: await analytics.put(no, history_at(Status.CLOSED, no, CLOSED_AT, department))
        for no, department in closed.items()
    }
    other_week = new_number()
    expected[other_week] = await analytics.put(
        other_week, history_at(Status.CLOSED, other_week, datetime(2026, 1, 20, 2, tzinfo=UTC))
    )
    await analytics.projected(expected)
    client = analytics.client

    response = await client.post(f"/v1/inspections/{WEEK}/draw", json={"seed": 7}, headers=bearer("operator"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["week"], body["seed"], body["ratio"], body["population"]) == (WEEK, 7, 0.1, 12)
    sample = [item["complaint_no"] for item in body["items"]]
    assert len(sample) == 2 and set(sample) <= set(closed)
    assert sample == draw(IsoWeek.parse(WEEK), closed, 7, 0.1).complaint_nos  # reproducible from the seed

    again = await client.post(f"/v1/inspections/{WEEK}/draw", json={"seed": 8}, headers=bearer("supervisor"))
    assert again.status_code == 409 and again.json()["error"] == "already_drawn"
    future = await client.post("/v1/inspections/2026-W52/draw", headers=bearer("operator"))
    assert future.status_code == 422 and future.json()["error"] == "week_not_over"
    assert (
        await client.post(f"/v1/inspections/{WEEK}/draw", headers=bearer("agent", "quality"))
    ).status_code == 403
    assert (await client.post("/v1/inspections/2026-W99/draw", headers=bearer("operator"))).status_code == 422

    events = await analytics.store.read_stream(f"inspection-{WEEK}")
    assert [e.type for e in events] == ["QualityInspectionSampleDrawn"]
    assert events[0].payload["seed"] == 7 and events[0].payload["complaint_nos"] == sample

    good, bad = sample
    scored = await client.post(
        f"/v1/inspections/{WEEK}/scores", json={"complaint_no": good, **FORM}, headers=bearer("operator")
    )
    assert scored.status_code == 201, scored.text
    assert scored.json()["total"] == 85 and scored.json()["passed"] is True
    low = {**FORM, "complaint_no": bad, "resolution": 0, "accuracy": 5}
    assert (
        await client.post(f"/v1/inspections/{WEEK}/scores", json=low, headers=bearer("supervisor"))
    ).status_code == 201
    outsider = next(no for no in closed if no not in sample)
    refused = await client.post(
        f"/v1/inspections/{WEEK}/scores", json={"complaint_no": outsider, **FORM}, headers=bearer("operator")
    )
    assert refused.status_code == 422 and refused.json()["error"] == "not_in_sample"
    undrawn = await client.post(
        "/v1/inspections/2026-W04/scores", json={"complaint_no": good, **FORM}, headers=bearer("operator")
    )
    assert undrawn.status_code == 404 and undrawn.json()["error"] == "not_drawn"
    too_high = await client.post(
        f"/v1/inspections/{WEEK}/scores",
        json={"complaint_no": good, **FORM, "attitude": 26},
        headers=bearer("operator"),
    )
    assert too_high.status_code == 422

    week = (await client.get(f"/v1/inspections/{WEEK}", headers=bearer("auditor"))).json()
    assert [i["score"]["total"] for i in week["items"]] == [85, 50]
    assert week["drawn_by"] == "test-operator"

    per_department = (await client.get("/v1/inspections?month=2026-01", headers=bearer("supervisor"))).json()
    assert WEEK in per_department["weeks"]
    totals = {d["department"]: (d["scored"], d["failed"]) for d in per_department["departments"]}
    assert sum(n for n, _ in totals.values()) == 2 and sum(f for _, f in totals.values()) == 1

    # the auditors' replay shows the draw and the scores; the read models rebuild around the stream
    out = io.StringIO()
    assert await replay_complaint(analytics.settings, f"inspection-{WEEK}", out) == 0
    replayed = out.getvalue()
    assert "QualityInspectionSampleDrawn" in replayed and "seed=7" in replayed, replayed
    assert (await rebuild(analytics.engine)).events >= len(expected)

    cards = (await client.get("/v1/scorecards?month=2026-01", headers=bearer("supervisor"))).json()
    bad_department = closed[bad]
    card = next(c for c in cards["departments"] if c["department"] == bad_department)
    assert card["incidents"]["failed_inspection"] == 1
    assert card["score"] == 95 and card["rating"] == "excellent"
    assert {link["link"] for link in card["chain"]} == {
        "responsible",
        "department_head",
        "direct_superior",
        "next_superior",
    }


async def test_breaches_reopenings_and_dissatisfaction_cost_points(analytics: Analytics) -> None:
    feb = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
    reopened, breached = new_number(), new_number()
    expected = {
        reopened: await analytics.put(reopened, history_at(Status.REOPENED, reopened, feb, "after_sales")),
        breached: await analytics.put(
            breached, later(history_at(Status.ACCEPTED, breached, feb, "after_sales"), sla_breach())
        ),
    }
    await analytics.projected(expected)
    cards = (
        await analytics.client.get("/v1/scorecards?month=2026-02", headers=bearer("agent", "after_sales"))
    ).json()
    [card] = cards["departments"]
    assert card["incidents"] == {"breach": 1, "reopen": 1, "dissatisfied": 1, "failed_inspection": 0}
    assert card["deducted"] == 2 + 3 + 2 and card["score"] == 93
    head = next(link for link in card["chain"] if link["link"] == "department_head")
    assert head["person"] == "head-after_sales" and head["deducted"] == 3.5

    report = await analytics.client.get("/v1/reports/monthly?month=2026-02", headers=bearer("operator"))
    assert report.status_code == 200
    assert (
        "scorecard,2026-02,after_sales" in report.text and ",score,考核得分,Score,points,93," in report.text
    )


async def test_the_weekly_schedule_draws_last_week_once(analytics: Analytics) -> None:
    no = new_number()
    await analytics.projected(
        {no: await analytics.put(no, history_at(Status.CLOSED, no, datetime(2026, 3, 4, 2, tzinfo=UTC)))}
    )
    insights = InsightsReadModel(analytics.engine, ZONE)
    inspections = Inspections(analytics.store, insights, FakeClock(datetime(2026, 3, 9, 1, tzinfo=UTC)))
    assert await draw_last_week(inspections, 0.1) == "2026-W10"
    assert await draw_last_week(inspections, 0.1) is None  # drawn already: left alone
    [drawn] = await analytics.store.read_stream("inspection-2026-W10")
    assert drawn.actor.id == "analytics" and drawn.payload["complaint_nos"] == [no]
