"""The monthly report counts the complaints flagged as a reputational risk: a `risk` section in
the CSV (in all, then by rule) and a table in the PDF."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from services.analytics.reports.monthly import MonthlyReport, ReportGroup, ReportRisk, report_csv
from services.analytics.reports.pdf import report_pdf

pytestmark = pytest.mark.unit


def a_report(risk: ReportRisk | None) -> MonthlyReport:
    total = ReportGroup(None, "全部", "All", 3, 3, [])
    return MonthlyReport("2026-01", date(2026, 1, 1), date(2026, 1, 31), total, [], [], [], risk=risk)


def test_the_csv_has_the_flagged_count_and_one_row_per_rule() -> None:
    text = report_csv(a_report(ReportRisk(3, {"manual": 1, "urgent-grade": 2})))
    rows = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if r["section"] == "risk"]
    assert [(r["code"], r["value"], r["unit"]) for r in rows] == [
        ("flagged", "3", "count"),
        ("rule:manual", "1", "count"),
        ("rule:urgent-grade", "2", "count"),
    ]
    assert rows[0]["label_zh"] and rows[0]["label_en"]


def test_without_risk_figures_there_is_no_section() -> None:
    assert ",risk," not in report_csv(a_report(None))


def test_the_pdf_renders_the_risk_table() -> None:
    assert report_pdf(a_report(ReportRisk(1, {"manual": 1}))).startswith(b"%PDF")
