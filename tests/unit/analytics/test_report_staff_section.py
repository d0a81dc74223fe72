"""The staff section of the monthly report (the operators' variant): CSV rows per person with the
display name, and a PDF table that renders (its text checked when pdftotext is installed)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from services.analytics.reports.monthly import ReportStaff, report_csv
from services.analytics.reports.pdf import report_pdf
from tests.unit.analytics.test_report_font_choice import tiny_report

pytestmark = pytest.mark.unit

WANG = ReportStaff("agent-wang", "王芳", 88.0, 12.0, "good", "良好", "Good", [], [], 4)
LI = ReportStaff(
    "agent-li",
    "agent-li",
    60.0,
    40.0,
    "fail",
    "不合格",
    "Fail",
    ["质检不合格 ≥ 2 次"],
    ["Failed inspection ≥ 2"],
    9,
)


def test_the_csv_has_a_staff_section_only_when_the_report_carries_it() -> None:
    assert ",staff," not in report_csv(tiny_report())
    rows = [
        r
        for r in csv.reader(
            io.StringIO(report_csv(replace(tiny_report(), staff=[LI, WANG])).lstrip("\ufeff"))
        )
    ]
    staff = [r for r in rows if r[0] == "staff"]
    assert [r[2] for r in staff] == ["agent-li"] * 4 + ["agent-wang"] * 4
    assert staff[4][:10] == [
        "staff",
        "2026-11",
        "agent-wang",
        "王芳",
        "王芳",
        "score",
        "考核得分",
        "Score",
        "points",
        "88",
    ]
    assert staff[6][5:8] == ["rating", "良好", "Good"] and staff[6][-1] == "good"
    assert (staff[3][5], staff[3][9]) == ("charges", "9")


def test_the_pdf_has_a_staff_table(tmp_path: Path) -> None:
    body = report_pdf(replace(tiny_report(), staff=[LI, WANG]))
    assert body.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(body)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "员工考核" in text and "王芳" in text and "质检不合格" in text
