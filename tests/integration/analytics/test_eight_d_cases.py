"""The 8D read side: GET /v1/8d/cases lists a severe complaint's case while open with the
disciplines recorded and the next one, then as closed by D8 or ended with the complaint; agents
see their own department's; the 8D report is a PDF in either language; the monthly report counts
the month's cases."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from shared.complaints import Grade, SlaStage, Status
from shared.complaints.stages.time_limits import RecordSlaBreach
from tests.builders import T0, a_command, at, close_unresolvable, feedback, service, supervisor
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer
from tests.support.eight_d import an_attachment, record, through

pytestmark = pytest.mark.integration


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


async def cases(analytics: Analytics, role: str = "quality_engineer", **params: object) -> dict[str, dict]:  # type: ignore[type-arg]
    department = params.pop("department_of_agent", None)
    response = await analytics.client.get(
        "/v1/8d/cases",
        params={"limit": 500, **params},
        headers=bearer(role, department),  # type: ignore[arg-type]
    )
    assert response.status_code == 200, response.text
    return {i["complaint_no"]: i for i in response.json()["items"]}


async def test_open_closed_and_ended_cases(analytics: Analytics) -> None:
    working, closed, ended, plain = (new_number() for _ in range(4))
    breach = a_command(
        RecordSlaBreach,
        by=service("sla"),
        when=at(hours=25),
        stage=SlaStage.EIGHT_D_CONTAINMENT,
        deadline=at(hours=24),
    )
    stories = {
        working: then(history_to(Status.ACCEPTED, working, grade=Grade.SEVERE), *through("D2"), breach),
        closed: then(
            history_to(Status.ACCEPTED, closed, grade=Grade.SEVERE),
            *through("D7"),
            record("D8", when=at(days=3)),
        ),
        ended: then(
            history_to(Status.ACCEPTED, ended, grade=Grade.SEVERE),
            record("D1"),
            close_unresolvable(by=supervisor()),
        ),
        plain: history_to(Status.ACCEPTED, plain),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)

    open_now = await cases(analytics)
    closed_ones = await cases(analytics, state="closed")
    ended_ones = await cases(analytics, state="ended", lang="en")
    overdue = await cases(analytics, overdue="true")

    assert working in open_now and not {closed, ended, plain} & set(open_now)
    item = open_now[working]
    assert item["recorded"] == ["D1", "D2"] and item["next_discipline"] == "D3"
    assert item["next_label"]["zh-CN"] == "D3 临时围堵措施" and item["cause"] == "severe_grade"
    assert item["breached"] == ["eight_d_containment"] and working in overdue
    assert closed_ones[closed]["state"] == "closed" and closed_ones[closed]["closed_at"] is not None
    assert ended_ones[ended]["state_label"]["en"] == "Complaint ended before D8"
    agent_quality = await cases(analytics, "agent", department_of_agent="quality", state="all")
    agent_other = await cases(analytics, "agent", department_of_agent="hr", state="all")
    assert working in agent_quality and not agent_other
    refused = await analytics.client.get("/v1/8d/cases", headers=bearer("auditor"))
    assert refused.status_code == 403


async def test_the_8d_report_as_a_pdf_in_both_languages(analytics: Analytics, tmp_path: Path) -> None:
    no = new_number()
    d3 = record(
        "D3", content="隔离库存 1200 件，通知客户暂停使用。", attachments=[an_attachment("containment.pdf")]
    )
    history = then(history_to(Status.ACCEPTED, no, grade=Grade.SEVERE), *through("D2"), d3)
    await analytics.projected({no: await analytics.put(no, history)})

    texts = {}
    for lang in ("zh-CN", "en"):
        response = await analytics.client.get(
            f"/v1/complaints/{no}/8d/report.pdf", params={"lang": lang}, headers=bearer("quality_engineer")
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF-")
        if shutil.which("pdftotext"):
            path = tmp_path / f"{lang}.pdf"
            path.write_bytes(response.content)
            texts[lang] = await asyncio.to_thread(pdf_text, path)
    if texts:
        assert (
            "8D 报告" in texts["zh-CN"]
            and "D3 临时围堵措施" in texts["zh-CN"]
            and "隔离库存" in texts["zh-CN"]
        )
        assert "containment.pdf" in texts["zh-CN"] and "尚未登记" in texts["zh-CN"]
        assert (
            "8D report" in texts["en"]
            and "D3 Containment" in texts["en"]
            and "Not recorded yet" in texts["en"]
        )
    other = await analytics.client.get(f"/v1/complaints/{no}/8d/report.pdf", headers=bearer("agent", "hr"))
    none = await analytics.client.get(
        f"/v1/complaints/{new_number()}/8d/report.pdf", headers=bearer("supervisor")
    )
    operator = await analytics.client.get(f"/v1/complaints/{no}/8d/report.pdf", headers=bearer("operator"))
    assert other.status_code == 404 and none.status_code == 404 and operator.status_code == 403


async def test_the_monthly_report_counts_the_cases(analytics: Analytics) -> None:
    on_time, late = new_number(), new_number()
    closure_breach = a_command(
        RecordSlaBreach,
        by=service("sla"),
        when=at(days=7, hours=1),
        stage=SlaStage.EIGHT_D_CLOSURE,
        deadline=at(days=7),
    )
    stories = {
        on_time: then(
            history_to(Status.ACCEPTED, on_time, grade=Grade.SEVERE),
            *through("D7"),
            record("D8", when=at(days=2)),
        ),
        late: then(
            history_to(Status.ACCEPTED, late, grade=Grade.SEVERE),
            *through("D7"),
            closure_breach,
            record("D8", when=at(days=8)),
        ),
    }
    expected = {no: await analytics.put(no, history) for no, history in stories.items()}
    await analytics.projected(expected)
    month = (T0 + timedelta(hours=8)).strftime("%Y-%m")

    response = await analytics.client.get(
        "/v1/reports/monthly", params={"month": month}, headers=bearer("supervisor")
    )

    assert response.status_code == 200, response.text
    rows = [r for r in csv.reader(io.StringIO(response.text.lstrip("\ufeff"))) if r[0] == "eight_d"]
    figures = {r[5]: r[9] for r in rows}
    assert int(figures["closed"]) >= 2 and int(figures["closed_on_time"]) >= 1
    assert int(figures["closed"]) - int(figures["closed_on_time"]) >= 1
    assert next(r[6] for r in rows) == "8D 立案"
    all_rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    [kpi] = [r for r in all_rows if r[0] == "kpi" and r[5] == "eight_d_on_time"]
    numerator, denominator = float(kpi[10]), float(kpi[11])  # the KPI: 8D cases closed within a week
    assert numerator >= 1 and denominator - numerator >= 1 and kpi[7] == "8D cases closed within a week"


async def test_confirmed_while_the_case_is_open_it_is_no_overdue_revisit(analytics: Analytics) -> None:
    no = new_number()
    history = then(history_to(Status.REVISIT_PENDING, no, grade=Grade.SEVERE), feedback(satisfied=True))
    await analytics.projected({no: await analytics.put(no, history)})

    attention = await analytics.client.get(
        "/v1/attention", params={"limit": 500}, headers=bearer("supervisor")
    )
    waiting = await cases(analytics)

    assert attention.status_code == 200, attention.text
    assert no not in [r["complaint_no"] for r in attention.json()["revisits"]]
    assert waiting[no]["status_label"]["en"] == "Revisit pending"  # closes when D8 is recorded
