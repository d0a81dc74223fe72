"""The 8D report of a complaint's latest case as a PDF (A4), in Simplified Chinese or English:
the complaint, the case (what opened it, when, its state and the clocks that ran out), then each
discipline D1..D8 as last recorded (the latest counts; how often it was recorded), with D1's team
and every discipline's attachments (name, type, size, SHA-256).

The disciplines' content is read from the event store at request time (it never enters a read
model); the complainant's identity is not in the report. Drawn with fpdf2 and the monthly report's
CJK font (:class:`services.analytics.reports.pdf.ReportFont`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import WrapMode

from services.analytics.reports.pdf import GREY, ReportFont
from shared.complaints import COMPLAINT_EVENTS, Category, Grade, Status
from shared.complaints.stages.eight_d import AttachmentMeta, EightDDisciplineRecorded, TeamMember
from shared.complaints.values import Discipline, EightDTrigger, Lang, SlaStage, label
from shared.events import RecordedEvent

TEXTS: dict[str, dict[Lang, str]] = {
    "title": {"zh-CN": "8D 报告", "en": "8D report"},
    "complaint": {"zh-CN": "投诉编号", "en": "Complaint"},
    "subject": {"zh-CN": "主题", "en": "Subject"},
    "department": {"zh-CN": "责任部门", "en": "Department"},
    "grade": {"zh-CN": "级别", "en": "Grade"},
    "category": {"zh-CN": "分类", "en": "Category"},
    "status": {"zh-CN": "投诉状态", "en": "Complaint status"},
    "case": {"zh-CN": "8D 编号", "en": "8D case"},
    "cause": {"zh-CN": "启动原因", "en": "Opened because"},
    "opened": {"zh-CN": "启动时间", "en": "Opened"},
    "closed": {"zh-CN": "结案时间", "en": "Closed"},
    "not_closed": {"zh-CN": "未结案", "en": "not closed"},
    "breached": {"zh-CN": "超时环节", "en": "Time limits missed"},
    "none": {"zh-CN": "无", "en": "none"},
    "not_recorded": {"zh-CN": "尚未登记", "en": "Not recorded yet"},
    "recorded": {
        "zh-CN": "登记：{who}，{at}（共登记 {n} 次）",
        "en": "Recorded by {who}, {at} ({n} times in all)",
    },
    "team": {"zh-CN": "团队成员", "en": "Team"},
    "attachments": {"zh-CN": "附件", "en": "Attachments"},
    "generated": {"zh-CN": "生成时间", "en": "Generated"},
    "unassigned": {"zh-CN": "未派单", "en": "Unassigned"},
}


@dataclass(frozen=True)
class DisciplineRecord:
    discipline: Discipline
    content: str
    team: list[TeamMember]
    attachments: list[AttachmentMeta]
    recorded_at: datetime
    recorded_by: str
    times: int


@dataclass(frozen=True)
class EightDReport:
    lang: Lang
    zone: ZoneInfo
    complaint_no: str
    subject: str
    department: str | None
    grade: Grade
    category: Category
    status: Status
    case: int
    cause: EightDTrigger
    opened_at: datetime
    closed_at: datetime | None
    breached: list[SlaStage]
    disciplines: dict[Discipline, DisciplineRecord] = field(default_factory=dict)

    def text(self, key: str, **values: Any) -> str:
        return TEXTS[key][self.lang].format(**values)

    def local(self, instant: datetime) -> str:
        return instant.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def eight_d_report(
    row: Mapping[str, Any], records: Iterable[RecordedEvent], zone: ZoneInfo, lang: Lang
) -> EightDReport:
    """The report of the case ``row`` (a row of the 8D read model) from the complaint's events."""
    latest: dict[Discipline, DisciplineRecord] = {}
    for record in records:
        if record.type != "EightDDisciplineRecorded":
            continue
        event = COMPLAINT_EVENTS.decode(record)
        if not isinstance(event, EightDDisciplineRecorded) or event.case != row["case"]:
            continue
        before = latest.get(event.discipline)
        latest[event.discipline] = DisciplineRecord(
            event.discipline,
            event.content,
            list(event.team),
            list(event.attachments),
            record.occurred_at,
            record.actor.id,
            (before.times if before else 0) + 1,
        )
    return EightDReport(
        lang=lang,
        zone=zone,
        complaint_no=row["complaint_no"],
        subject=row["subject"],
        department=row["department"],
        grade=Grade(row["grade"]),
        category=Category(row["category"]),
        status=Status(row["status"]),
        case=row["case"],
        cause=EightDTrigger(row["cause"]),
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
        breached=[SlaStage(s) for s in row["breached"]],
        disciplines=latest,
    )


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


class _Pdf(FPDF):
    def __init__(self, report: EightDReport, font: ReportFont) -> None:
        super().__init__(format="A4")
        path, face = font.file()
        self.add_font("cjk", "", str(path), collection_font_number=face)
        self.report = report
        self.set_auto_page_break(True, margin=15)
        self.set_title(f"{report.text('title')} {report.complaint_no}")
        self.set_creator("tousu analytics")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, f"tousu · 8D · {self.report.complaint_no} · {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def pair(self, key: str, value: str) -> None:
        self.set_font("cjk", size=10)
        self.set_text_color(*GREY)
        self.cell(36, 6.5, self.report.text(key))
        self.set_text_color(0, 0, 0)
        self.multi_cell(0, 6.5, value, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)

    def discipline(self, discipline: Discipline) -> None:
        report = self.report
        self.ln(2)
        self.set_font("cjk", size=12)
        self.set_fill_color(235, 240, 248)
        self.cell(0, 8, label(discipline, report.lang), fill=True, new_x="LMARGIN", new_y="NEXT")
        self.set_font("cjk", size=10)
        record = report.disciplines.get(discipline)
        if record is None:
            self.set_text_color(*GREY)
            self.cell(0, 6.5, report.text("not_recorded"), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            return
        self.multi_cell(0, 6, record.content, new_x="LMARGIN", new_y="NEXT", wrapmode=WrapMode.CHAR)
        if record.team:
            members = "; ".join(f"{m.name} ({label(m.role, report.lang)})" for m in record.team)
            self.pair("team", members)
        for attachment in record.attachments:
            where = f" · {attachment.location}" if attachment.location else ""
            text = (
                f"{attachment.file_name} · {attachment.media_type} · {_size(attachment.size_bytes)}"
                f" · SHA-256 {attachment.sha256[:16]}…{where}"
            )
            self.pair("attachments", text)
        self.set_font("cjk", size=8)
        self.set_text_color(*GREY)
        recorded = report.text(
            "recorded", who=record.recorded_by, at=report.local(record.recorded_at), n=record.times
        )
        self.cell(0, 5, recorded, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)


def report_pdf(report: EightDReport, font: ReportFont | None = None) -> bytes:
    """Render the 8D report (CPU-bound: call it in a worker thread)."""
    pdf = _Pdf(report, font or ReportFont())
    lang = report.lang
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 11, f"{report.text('title')} · {report.complaint_no}", new_x="LMARGIN", new_y="NEXT")
    department = label(report.department, lang) if report.department else report.text("unassigned")
    closed = report.local(report.closed_at) if report.closed_at else report.text("not_closed")
    breached = ", ".join(label(stage, lang) for stage in report.breached) or report.text("none")
    for key, value in (
        ("subject", report.subject),
        ("department", department),
        ("grade", label(report.grade, lang)),
        ("category", label(report.category, lang)),
        ("status", label(report.status, lang)),
        ("case", str(report.case)),
        ("cause", label(report.cause, lang)),
        ("opened", report.local(report.opened_at)),
        ("closed", closed),
        ("breached", breached),
    ):
        pdf.pair(key, value)
    for discipline in Discipline:
        pdf.discipline(discipline)
    return bytes(pdf.output())
