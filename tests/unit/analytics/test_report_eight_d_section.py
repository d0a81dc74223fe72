"""The 8D section of the monthly report: CSV rows (counts and the on-time rate) and a PDF table."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from services.analytics.reports.monthly import ReportEightD, report_csv
from services.analytics.reports.pdf import report_pdf
from tests.unit.analytics.test_report_font_choice import tiny_report

pytestmark = pytest.mark.unit

FIGURES = ReportEightD(opened=5, closed=4, closed_on_time=3, containment_late=1, open_at_end=2)


def test_the_csv_has_the_8d_rows_only_when_the_report_carries_them() -> None:
    assert ",eight_d," not in report_csv(tiny_report())
    text = report_csv(replace(tiny_report(), eight_d=FIGURES)).lstrip("\ufeff")
    rows = {r[5]: r for r in csv.reader(io.StringIO(text)) if r[0] == "eight_d"}
    assert [
        rows[c][9] for c in ("opened", "closed", "closed_on_time", "containment_late", "open_at_end")
    ] == [
        "5",
        "4",
        "3",
        "1",
        "2",
    ]
    assert rows["on_time_rate"][6:10] == ["8D 按时结案率", "8D closed on time", "percent", "75"]


def test_no_case_closed_has_no_rate() -> None:
    assert ReportEightD(1, 0, 0, 0, 1).on_time_rate is None


def test_the_pdf_has_an_8d_table(tmp_path: Path) -> None:
    body = report_pdf(replace(tiny_report(), eight_d=FIGURES))
    assert body.startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(body)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "严重投诉 8D" in text and "按时结案率" in text and "75.0%" in text
