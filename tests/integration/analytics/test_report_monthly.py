"""GET /v1/reports/monthly: the CSV's numbers are GET /v1/kpis's for the same month (in total
and per department), and the PDF is a valid PDF with the report's Chinese text (rendered to PNG
under test-artifacts/ when pdftoppm is installed)."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from services.analytics.main import create_app
from shared.clock import FakeClock
from shared.complaints import Category, Channel, SlaStage
from shared.eventstore import PostgresEventStore
from shared.messaging.topics import ensure_topics
from tests.builders import accept, agent, assign, feedback, receive, resolve, sla_breach
from tests.integration.analytics.conftest import (
    DatabaseFactory,
    analytics_settings,
    new_number,
    story,
)
from tests.integration.analytics.conftest import append_history as put_history
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens_for_tests
from tests.support.backends import Backend
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
MONTH = {"from": "2026-11-01", "to": "2026-11-30"}
SUPERVISOR = bearer("supervisor")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def h(hours: float) -> datetime:
    return START + timedelta(hours=hours)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def client(new_database: DatabaseFactory, kafka_backend: Backend) -> AsyncIterator[httpx.AsyncClient]:
    settings = analytics_settings(await new_database(), kafka_backend)
    await ensure_topics(settings)
    app = create_app(settings, clock=FakeClock(datetime(2026, 12, 2, tzinfo=UTC)), tokens=tokens_for_tests())
    async with running(app) as client:
        store = PostgresEventStore(app.state.runtime.engine)
        q, a = agent("quality"), agent("after_sales")
        stories = []
        for i in range(3):  # closed in quality, one of them reopened
            n = new_number()
            steps = [
                receive(complaint_no=n, channel=Channel.HOTLINE, when=h(24 * i)),
                assign("quality", when=h(24 * i + 1)),
                accept(by=q, when=h(24 * i + 2)),
                resolve(by=q, when=h(24 * i + 10)),
            ]
            if i == 0:
                steps += [feedback(False, 2, when=h(20)), accept(by=q, when=h(21)), resolve(by=q, when=h(30))]
            steps.append(feedback(True, 5 - i, when=h(24 * i + 40)))
            stories.append((n, story(*steps)))
        for i in range(2):  # after_sales, one breached and still open
            n = new_number()
            steps = [
                receive(
                    complaint_no=n,
                    channel=Channel.ONLINE,
                    category=Category.SERVICE_ATTITUDE,
                    when=h(100 + i),
                ),
                assign("after_sales", when=h(101 + i)),
            ]
            steps.append(
                sla_breach(SlaStage.FIRST_RESPONSE, when=h(130), deadline=h(125))
                if i == 0
                else accept(by=a, when=h(103))
            )
            stories.append((n, story(*steps)))
        october = new_number()  # outside the month: in neither
        stories.append(
            (october, story(receive(complaint_no=october, when=datetime(2026, 10, 20, tzinfo=UTC))))
        )
        expected = {}
        for n, history in stories:
            expected[n] = await put_history(store, n, history)

        async def projected() -> bool:
            response = await client.get("/v1/complaints", params={"page_size": 50}, headers=SUPERVISOR)
            return {c["complaint_no"]: c["version"] for c in response.json()["items"]} == expected

        await eventually(projected, timeout=30, what="six complaints projected")
        yield client


def figures(rows: list[dict[str, str]], section: str, group: str = "") -> dict[str, tuple[str, ...]]:
    return {
        r["code"]: (r["value"], r["numerator"], r["denominator"], r["target"], r["rag"])
        for r in rows
        if r["section"] == section and r["group"] == group
    }


def number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def api_figures(slice_: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    result = {
        "received": (str(slice_["received"]), "", "", "", ""),
        "valid": (str(slice_["valid"]), "", "", "", ""),
    }
    for k in slice_["kpis"]:
        result[k["code"]] = (
            number(k["value"]),
            number(k["numerator"]),
            number(k["denominator"]),
            number(k["target"]),
            k["rag"] or "",
        )
    return result


async def test_the_csv_has_the_dashboards_numbers(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/reports/monthly", params={"month": "2026-11", "format": "csv"}, headers=SUPERVISOR
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="tousu-report-2026-11.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    kpis = (await client.get("/v1/kpis", params={"granularity": "month", **MONTH}, headers=SUPERVISOR)).json()
    assert figures(rows, "kpi") == api_figures(kpis["totals"][0])
    assert figures(rows, "kpi")["received"][0] == "5"

    by_department = (
        await client.get(
            "/v1/kpis", params={"granularity": "month", "by": "department", **MONTH}, headers=SUPERVISOR
        )
    ).json()
    assert {s["group"] for s in by_department["totals"]} == {"quality", "after_sales"}
    for slice_ in by_department["totals"]:
        assert figures(rows, "department", slice_["group"]) == api_figures(slice_)
    departments = [r["group"] for r in rows if r["section"] == "department" and r["code"] == "received"]
    assert departments == ["quality", "after_sales"]  # most complaints first

    categories = [
        (r["group"], r["value"]) for r in rows if r["section"] == "category" and r["code"] == "received"
    ]
    assert categories == [("product_quality", "3"), ("service_attitude", "2")]
    days = {r["period"]: r["value"] for r in rows if r["section"] == "day"}
    assert len(days) == 30 and days["2026-11-03"] == "1" and days["2026-11-07"] == "2"
    assert sum(int(v) for v in days.values()) == 5
    assert {r["label_zh"] for r in rows if r["code"] == "response_timeliness"} == {"响应及时率"}


async def test_the_pdf_is_a_pdf_with_chinese_text(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/reports/monthly", params={"month": "2026-11", "format": "pdf"}, headers=SUPERVISOR
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    assert b"/FontFile" in body  # the CJK font is embedded (subset)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "monthly-report-2026-11.pdf"
    pdf.write_bytes(body)
    text = await asyncio.to_thread(look_at, pdf)
    if text is not None:
        assert "投诉处理月报 2026-11" in text and "响应及时率" in text and "质量部" in text


def look_at(pdf: Path) -> str | None:
    """The PDF's text (pdftotext) and its first page as PNG (pdftoppm), when poppler is installed."""
    if shutil.which("pdftoppm"):
        page = ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))]
        subprocess.run(page, check=True)
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout


async def test_only_reporters_read_it_and_the_month_is_checked(client: httpx.AsyncClient) -> None:
    agent_response = await client.get(
        "/v1/reports/monthly", params={"month": "2026-11"}, headers=bearer("agent", "quality")
    )
    assert agent_response.status_code == 403
    assert (await client.get("/v1/reports/monthly", params={"month": "2026-11"})).status_code == 401
    for month in ("2026-13", "2026-1", "nov"):
        bad = await client.get("/v1/reports/monthly", params={"month": month}, headers=bearer("operator"))
        assert bad.status_code == 422
        assert bad.json()["error"] == "invalid_request"
    bad_format = await client.get(
        "/v1/reports/monthly", params={"month": "2026-11", "format": "xls"}, headers=SUPERVISOR
    )
    assert bad_format.status_code == 422
    empty = await client.get("/v1/reports/monthly", params={"month": "2025-02"}, headers=bearer("admin"))
    assert empty.status_code == 200
    rows = list(csv.DictReader(io.StringIO(empty.content.decode("utf-8-sig"))))
    assert figures(rows, "kpi")["received"][0] == "0"
    assert len([r for r in rows if r["section"] == "day"]) == 28
