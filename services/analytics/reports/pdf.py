"""The monthly report as a PDF (A4, zh-CN with English subtitles): KPI table against targets,
a bar chart of complaints received per day, the departments and the most frequent problems.

Drawn with fpdf2 (no browser, no matplotlib); Chinese text needs a CJK font. By default the one
that comes with tousu's dependencies, so the report is made on any machine: Noto Sans SC (the
Simplified Chinese subset of Noto Sans CJK, SIL Open Font License 1.1, 8.3 MB) from the
``pylopdf-fonts-zh-cn`` wheel. ``TOUSU_ANALYTICS_REPORT_FONT=system`` takes Debian's fonts-noto-cjk
instead, or the path of any .ttf/.otf/.ttc (``TOUSU_ANALYTICS_REPORT_FONT_INDEX`` picks the face of a
collection). fpdf2 embeds only the glyphs a report uses.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.analytics.reports.monthly import EIGHT_D_ROWS, MonthlyReport, ReportGroup, ReportKpi
from shared.complaints.values import label

BUNDLED = "bundled"
SYSTEM = "system"
SYSTEM_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SYSTEM_FACE = 2
"""Noto Sans CJK SC: the third face of Debian's collection (JP, KR, SC, TC, HK)."""


class FontUnavailable(Exception):
    """The configured CJK font is missing: the PDF cannot show Chinese."""


class ReportFont(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUSU_ANALYTICS_REPORT_", extra="ignore")

    font: str = Field(
        BUNDLED,
        min_length=1,
        description="The PDF report's CJK font: `bundled` (Noto Sans SC from the pylopdf-fonts-zh-cn "
        "package), `system` (Noto Sans CJK SC from Debian's fonts-noto-cjk) or a .ttf/.otf/.ttc path.",
    )
    font_index: int | None = Field(
        None, ge=0, description="Face of a font collection; default 2 (SC) for `system`, else 0."
    )

    def file(self) -> tuple[Path, int]:
        """The font file and face to use; :class:`FontUnavailable` if it is not there."""
        if self.font == BUNDLED:
            try:
                from pylopdf_fonts_zh_cn import sans_path
            except ImportError:
                raise FontUnavailable(
                    "the bundled font (the pylopdf-fonts-zh-cn package is missing)"
                ) from None
            path, face = sans_path(), 0
        elif self.font == SYSTEM:
            path, face = SYSTEM_FONT, SYSTEM_FACE
        else:
            path, face = Path(self.font).expanduser(), 0
        if not path.is_file():
            raise FontUnavailable(str(path))
        return path, face if self.font_index is None else self.font_index


RAG_COLOURS = {"green": (46, 125, 50), "amber": (239, 108, 0), "red": (198, 40, 40)}
RAG_NAMES = {"green": "达标 green", "amber": "预警 amber", "red": "未达标 red"}
BAR = (21, 101, 192)
GREY = (120, 120, 120)


def _value(k: ReportKpi) -> str:
    if k.value is None:
        return "—"
    return f"{k.value:.1f} h" if k.unit == "hours" else f"{k.value:.1f}%"


def _target(k: ReportKpi) -> str:
    sign = "≥" if k.direction == "at_least" else "≤"
    unit = " h" if k.unit == "hours" else "%"
    return f"{sign} {k.target:g}{unit}"


class _Pdf(FPDF):
    def __init__(self, report: MonthlyReport, font: ReportFont) -> None:
        super().__init__(format="A4")
        path, face = font.file()
        self.add_font("cjk", "", str(path), collection_font_number=face)
        self.report = report
        self.set_auto_page_break(True, margin=15)
        self.set_title(f"投诉月报 Monthly complaint report {report.month}")
        self.set_creator("tousu analytics")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"tousu · {self.report.month} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, zh: str, en: str) -> None:
        self.ln(3)
        self.set_font("cjk", size=13)
        self.cell(0, 8, f"{zh}  {en}", new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=9)

    def kpi_table(self, group: ReportGroup) -> None:
        widths = (72, 28, 28, 30, 30)
        self.set_fill_color(235, 240, 248)
        for text, width in zip(
            ("指标 KPI", "数值 Value", "目标 Target", "分子/分母 n/d", "评价 Verdict"), widths, strict=True
        ):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        for k in group.kpis:
            n = "—" if k.numerator is None else f"{k.numerator:g}"
            d = "—" if k.denominator is None else f"{k.denominator:g}"
            self.cell(widths[0], 6.5, f"{k.label_zh} {k.label_en}", border=1)
            self.cell(widths[1], 6.5, _value(k), border=1, align="R")
            self.cell(widths[2], 6.5, _target(k), border=1, align="R")
            self.cell(widths[3], 6.5, f"{n} / {d}", border=1, align="R")
            if k.rag:
                self.set_text_color(*RAG_COLOURS[k.rag])
            self.cell(widths[4], 6.5, RAG_NAMES.get(k.rag or "", "—"), border=1)
            self.set_text_color(0, 0, 0)
            self.ln()

    def day_chart(self) -> None:
        days = self.report.days
        left, width, height = self.l_margin + 8, self.epw - 8, 50
        top = self.get_y() + 2
        peak = max((n for _, n in days), default=0) or 1
        self.set_draw_color(*GREY)
        self.line(left, top + height, left + width, top + height)
        self.line(left, top, left, top + height)
        self.set_font("cjk", size=7)
        self.set_xy(self.l_margin, top - 2)
        self.cell(7, 4, str(peak), align="R")
        self.set_xy(self.l_margin, top + height - 3)
        self.cell(7, 4, "0", align="R")
        slot = width / max(len(days), 1)
        self.set_fill_color(*BAR)
        for i, (day, n) in enumerate(days):
            bar = height * n / peak
            x = left + i * slot + slot * 0.15
            if n:
                self.rect(x, top + height - bar, slot * 0.7, bar, style="F")
            if i % 5 == 0 or i == len(days) - 1:
                self.set_xy(left + i * slot, top + height + 0.5)
                self.cell(slot, 4, str(day.day), align="C")
        self.set_y(top + height + 6)
        self.set_font("cjk", size=9)

    def scorecard_table(self) -> None:
        widths = (50, 22, 22, 34, 60)
        self.set_fill_color(235, 240, 248)
        header = ("部门 Department", "得分 Score", "扣分 Ded.", "评级 Rating", "一票否决 Disqualified by")
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        for card in self.report.scorecards:
            self.cell(widths[0], 6.5, f"{card.label_zh} {card.label_en}"[:40], border=1)
            self.cell(widths[1], 6.5, f"{card.score:g}", border=1, align="R")
            self.cell(widths[2], 6.5, f"{card.deducted:g}", border=1, align="R")
            self.cell(widths[3], 6.5, f"{card.rating_zh} {card.rating_en}", border=1)
            self.cell(widths[4], 6.5, ", ".join(card.disqualified_by) or "—", border=1)
            self.ln()

    def staff_table(self) -> None:
        widths = (50, 22, 22, 34, 60)
        self.set_fill_color(235, 240, 248)
        header = ("员工 Person", "得分 Score", "扣分 Ded.", "评级 Rating", "一票否决 Disqualified by")
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        for person in self.report.staff:
            self.cell(widths[0], 6.5, person.name[:30], border=1)
            self.cell(widths[1], 6.5, f"{person.score:g}", border=1, align="R")
            self.cell(widths[2], 6.5, f"{person.deducted:g}", border=1, align="R")
            self.cell(widths[3], 6.5, f"{person.rating_zh} {person.rating_en}", border=1)
            conditions = zip(person.disqualified_by_zh, person.disqualified_by_en, strict=True)
            self.cell(widths[4], 6.5, ", ".join(f"{zh} {en}" for zh, en in conditions)[:40] or "—", border=1)

    def risk_table(self) -> None:
        risk = self.report.risk
        assert risk is not None
        widths = (120, 40)
        self.set_fill_color(235, 240, 248)
        for text, width in zip(("风险规则 Risk rule", "投诉数 Complaints"), widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        named = [
            ("人工标记 Flagged by staff" if rule == "manual" else rule, n) for rule, n in risk.by_rule.items()
        ]
        for name, count in [("合计 All flagged", risk.flagged), *named]:
            self.cell(widths[0], 6.5, name[:70], border=1)
            self.cell(widths[1], 6.5, str(count), border=1, align="R")
            self.ln()

    def cooperation_table(self) -> None:
        widths = (50, 26, 26, 26, 26, 26)
        self.set_fill_color(235, 240, 248)
        header = (
            "协同部门 Department",
            "发起 Asked",
            "提交 Contrib.",
            "按时 On time",
            "免除 Waived",
            "超时 Breach",
        )
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        for row in self.report.cooperation:
            zh, en = label(row.code, "zh-CN"), label(row.code, "en")
            self.cell(widths[0], 6.5, f"{zh} {en}"[:40], border=1)
            figures = (row.asked, row.contributed, row.on_time, row.waived, row.breached)
            for value, width in zip(figures, widths[1:], strict=True):
                self.cell(width, 6.5, str(value), border=1, align="R")
    def eight_d_table(self) -> None:
        figures = self.report.eight_d
        assert figures is not None
        widths = (120, 40)
        self.set_fill_color(235, 240, 248)
        for text, width in zip(("8D 报告 8D cases", "数量 Count"), widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        rate = figures.on_time_rate
        rows = [(f"{zh} {en}", str(getattr(figures, code))) for code, zh, en in EIGHT_D_ROWS]
        rows.append(("按时结案率 Closed on time", "—" if rate is None else f"{rate:.1f}%"))
        for name, value in rows:
            self.cell(widths[0], 6.5, name[:70], border=1)
            self.cell(widths[1], 6.5, value, border=1, align="R")
            self.ln()

    def group_table(self, groups: list[ReportGroup], zh: str, en: str) -> None:
        shown = (
            "response_timeliness",
            "timely_handling",
            "satisfaction",
            "sla_breach_rate",
        )
        widths = (50, 20, 30, 30, 28, 30)
        self.set_fill_color(235, 240, 248)
        header = (
            f"{zh} {en}",
            "受理 Recv.",
            "响应及时 Resp.",
            "处理及时 Handl.",
            "满意度 Sat.",
            "超时率 Breach",
        )
        for text, width in zip(header, widths, strict=True):
            self.cell(width, 7, text, border=1, fill=True)
        self.ln()
        for group in groups:
            by_code = {k.code: k for k in group.kpis}
            self.cell(widths[0], 6.5, f"{group.label_zh} {group.label_en}"[:40], border=1)
            self.cell(widths[1], 6.5, str(group.received), border=1, align="R")
            for code, width in zip(shown, widths[2:], strict=True):
                self.cell(width, 6.5, _value(by_code[code]), border=1, align="R")
            self.ln()


def report_pdf(report: MonthlyReport, font: ReportFont | None = None) -> bytes:
    """Render the report (CPU-bound: call it in a worker thread)."""
    pdf = _Pdf(report, font or ReportFont())
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 11, f"投诉处理月报 {report.month}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.set_text_color(*GREY)
    pdf.cell(
        0,
        6,
        f"Monthly complaint report · {report.date_from.isoformat()} – {report.date_to.isoformat()} · "
        f"受理 {report.total.received} 件 received, 有效 {report.total.valid} valid",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.heading("关键指标", "Key performance indicators")
    pdf.kpi_table(report.total)
    pdf.heading("每日受理量", "Complaints received per day")
    pdf.day_chart()
    if report.departments:
        pdf.heading("各部门", "Departments")
        pdf.group_table(report.departments, "部门", "Department")
    if report.categories:
        pdf.heading("高频问题（按类别）", "High-frequency problems (by category)")
        pdf.group_table(report.categories, "类别", "Category")
    if report.scorecards:
        pdf.heading("部门考核", "Department scorecards")
        pdf.scorecard_table()
    if report.staff:
        pdf.heading("员工考核", "Staff scorecards")
        pdf.staff_table()
    if report.risk is not None:
        pdf.heading("舆情风险标记", "Flagged as a reputational risk")
        pdf.risk_table()
    if report.cooperation:
        pdf.heading("协同办理（按协同部门）", "Co-operation (by co-operating department)")
        pdf.cooperation_table()
    if report.eight_d is not None:
        pdf.heading("严重投诉 8D", "8D cases of severe complaints")
        pdf.eight_d_table()
    return bytes(pdf.output())
