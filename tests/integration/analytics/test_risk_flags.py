"""The PR owner's list: GET /v1/risk-flags lists the complaints flagged as a reputational risk
(filters, paging), GET /v1/risk-flags/{no} one of them with its timeline and the complainant
masked; the PR owner reads nothing else of analytics; the monthly report counts the flags."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from shared.complaints import Status
from shared.complaints.stages.risk import ClearRiskFlag, FlagRisk, FlagRiskAutomatically
from tests.builders import T0, a_command, agent, pr_owner, service
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

PR = bearer("pr_owner")
INTAKE = service("intake")
LATER = T0 + timedelta(hours=2)


async def test_the_pr_owner_lists_and_reads_flagged_complaints_only(analytics: Analytics) -> None:
    auto, manual, cleared, plain = (new_number() for _ in range(4))
    stories = {
        auto: then(
            history_to(Status.ACCEPTED, auto),
            a_command(FlagRiskAutomatically, by=INTAKE, when=LATER, rules=["regulator-referral"]),
        ),
        manual: then(
            history_to(Status.RECEIVED, manual, "after_sales"),
            a_command(FlagRisk, by=agent(), when=LATER + timedelta(hours=1), reason="记者来电"),
        ),
        cleared: then(
            history_to(Status.ACCEPTED, cleared),
            a_command(FlagRiskAutomatically, by=INTAKE, when=LATER, rules=["urgent-grade"]),
            a_command(ClearRiskFlag, by=pr_owner(), when=LATER + timedelta(hours=3), reason="已和解"),
        ),
        plain: history_to(Status.ACCEPTED, plain),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    listed = await analytics.client.get("/v1/risk-flags", headers=PR)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert [i["complaint_no"] for i in body["items"]] == [manual, auto]  # most recently flagged first
    assert body["total"] == 2
    by_no = {i["complaint_no"]: i for i in body["items"]}
    assert by_no[auto]["rules"] == ["regulator-referral"] and by_no[auto]["sources"] == ["auto"]
    assert by_no[manual]["rules"] == ["manual"] and by_no[manual]["flagged"] is True
    assert by_no[manual]["sources_label"] == [{"zh-CN": "工作人员人工标记", "en": "A member of staff"}]

    every = (await analytics.client.get("/v1/risk-flags", params={"state": "all"}, headers=PR)).json()
    assert {i["complaint_no"] for i in every["items"]} == {auto, manual, cleared}
    gone = (await analytics.client.get("/v1/risk-flags", params={"state": "cleared"}, headers=PR)).json()
    assert [(i["complaint_no"], i["flagged"], i["rules"]) for i in gone["items"]] == [
        (cleared, False, ["urgent-grade"])
    ]
    assert gone["items"][0]["cleared_at"] is not None
    ruled = await analytics.client.get("/v1/risk-flags", params={"rule": "manual"}, headers=PR)
    assert [i["complaint_no"] for i in ruled.json()["items"]] == [manual]
    sourced = await analytics.client.get("/v1/risk-flags", params={"source": "auto"}, headers=PR)
    assert [i["complaint_no"] for i in sourced.json()["items"]] == [auto]
    second = (
        await analytics.client.get("/v1/risk-flags", params={"page": 2, "page_size": 1}, headers=PR)
    ).json()
    assert ([i["complaint_no"] for i in second["items"]], second["total"]) == ([auto], 2)

    detail = await analytics.client.get(f"/v1/risk-flags/{manual}", headers=PR)
    assert detail.status_code == 200, detail.text
    complaint = detail.json()["detail"]["complaint"]
    assert complaint["complainant"]["masked"] is True  # personal data masked for the PR owner
    titles = [entry["title"]["en"] for entry in detail.json()["detail"]["timeline"]]
    assert "Flagged as a reputational risk" in titles
    assert [(n["type"], n["reason"]) for n in detail.json()["notes"]] == [
        ("ComplaintRiskFlagged", "记者来电")
    ]
    assert (await analytics.client.get(f"/v1/risk-flags/{plain}", headers=PR)).status_code == 404

    for path in ("/v1/complaints", f"/v1/complaints/{manual}", "/v1/kpis", "/v1/stats"):
        assert (await analytics.client.get(path, headers=PR)).status_code == 403, path
    for role in ("operator", "auditor", "channel"):
        assert (await analytics.client.get("/v1/risk-flags", headers=bearer(role))).status_code == 403
    assert (
        await analytics.client.get("/v1/risk-flags", headers=bearer("agent", "quality"))
    ).status_code == 403
    as_supervisor = await analytics.client.get("/v1/risk-flags", headers=bearer("supervisor"))
    assert as_supervisor.status_code == 200

    timeline = (await analytics.client.get(f"/v1/complaints/{cleared}", headers=bearer("supervisor"))).json()[
        "timeline"
    ]
    flagged_entry = next(e for e in timeline if e["type"] == "ComplaintRiskFlagged")
    assert {d["key"]: d["value"]["en"] for d in flagged_entry["details"]} == {
        "rules": "urgent-grade",
        "source": "The risk rules",
    }

    report = await analytics.client.get(
        "/v1/reports/monthly", params={"month": T0.strftime("%Y-%m")}, headers=bearer("supervisor")
    )
    rows = [r for r in csv.DictReader(io.StringIO(report.text.lstrip("\ufeff"))) if r["section"] == "risk"]
    assert {r["code"]: r["value"] for r in rows} == {
        "flagged": "3",
        "rule:manual": "1",
        "rule:regulator-referral": "1",
        "rule:urgent-grade": "1",
    }


async def test_bad_parameters_are_422_naming_them(analytics: Analytics) -> None:
    for params in ({"source": "rumour"}, {"state": "maybe"}, {"flagged_to": "9999-12-31"}, {"page_size": 0}):
        answer = await analytics.client.get("/v1/risk-flags", params=params, headers=PR)
        assert answer.status_code == 422, (params, answer.text)
    days = {"flagged_from": "2026-01-05", "flagged_to": "2026-01-05"}
    assert (await analytics.client.get("/v1/risk-flags", params=days, headers=PR)).status_code == 200
