"""The monthly PDF's Chinese font: by default the one installed with tousu (Noto Sans SC from the
pylopdf-fonts-zh-cn wheel), so any machine makes the report; Debian's fonts-noto-cjk (`system`) or
a font file are options; a font that is not there is FontUnavailable (→ 503), never a crash."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from services.analytics.reports import pdf as module
from services.analytics.reports.monthly import MonthlyReport, ReportGroup, ReportKpi
from services.analytics.reports.pdf import FontUnavailable, ReportFont, report_pdf

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def no_font_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOUSU_ANALYTICS_REPORT_FONT", raising=False)
    monkeypatch.delenv("TOUSU_ANALYTICS_REPORT_FONT_INDEX", raising=False)


def tiny_report() -> MonthlyReport:
    kpi = ReportKpi("response_timeliness", "响应及时率", "Response timeliness", "percent", 87.5, 7, 8, 90,
                    "at_least", "amber")  # fmt: skip
    first = date(2026, 11, 1)
    total = ReportGroup(None, "全部", "All", 8, 8, [kpi])
    days = [(first + timedelta(days=i), i % 3) for i in range(30)]
    return MonthlyReport("2026-11", first, date(2026, 11, 30), total, [], [], days)


def test_the_default_is_noto_sans_sc_installed_with_tousu() -> None:
    path, face = ReportFont().file()
    assert path.name == "NotoSansSC-Regular.otf" and "pylopdf_fonts_zh_cn" in path.parts
    assert face == 0
    assert path.stat().st_size < 10_000_000  # the Simplified Chinese subset, not the whole CJK set


def test_system_means_debians_noto_sans_cjk_sc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = tmp_path / "NotoSansCJK-Regular.ttc"
    installed.write_bytes(b"")
    monkeypatch.setattr(module, "SYSTEM_FONT", installed)
    assert ReportFont(font="system").file() == (installed, 2)
    monkeypatch.setenv("TOUSU_ANALYTICS_REPORT_FONT", "system")
    monkeypatch.setenv("TOUSU_ANALYTICS_REPORT_FONT_INDEX", "3")
    assert ReportFont().file() == (installed, 3)

    monkeypatch.setattr(module, "SYSTEM_FONT", tmp_path / "absent.ttc")
    with pytest.raises(FontUnavailable, match=r"absent\.ttc"):
        ReportFont(font="system").file()


def test_a_font_file_can_be_given_and_a_missing_one_is_unavailable(tmp_path: Path) -> None:
    font = tmp_path / "mine.ttc"
    font.write_bytes(b"")
    assert ReportFont(font=str(font)).file() == (font, 0)
    assert ReportFont(font=str(font), font_index=1).file() == (font, 1)
    with pytest.raises(FontUnavailable, match=r"nowhere\.otf"):
        report_pdf(tiny_report(), ReportFont(font=str(tmp_path / "nowhere.otf")))


@pytest.mark.parametrize("choice", ["bundled", "system"])
def test_the_pdf_shows_chinese_with_either_font(choice: str, tmp_path: Path) -> None:
    if choice == "system" and not module.SYSTEM_FONT.is_file():
        pytest.skip("fonts-noto-cjk is not installed (deploy/dev/system-packages.sh installs it)")
    body = report_pdf(tiny_report(), ReportFont(font=choice))
    assert body.startswith(b"%PDF-") and b"/FontFile" in body
    if shutil.which("pdftotext"):
        pdf = tmp_path / "report.pdf"
        pdf.write_bytes(body)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "投诉处理月报 2026-11" in text and "响应及时率" in text and "预警 amber" in text
