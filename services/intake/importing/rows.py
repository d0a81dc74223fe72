"""One record of a history file → the submission and its history, or every reason it is refused.

Pure (no I/O): the mapping translates the record's cells; the submission schema, the imported
history's own rules and the intake policy (as it applies to history, :func:`history_policy`) check
the result. Every problem of a row is reported, each with the field it is about, a stable code and
the reason in English and Simplified Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from services.intake.importing.mapping import CODES, ImportMapping
from services.intake.importing.source import Cell, Record
from services.intake.policy import GradingPolicy, RequiredFields
from services.intake.schemas import ComplaintSubmission
from services.intake.submit import request_digest
from shared.complaints.events import HistoricalOutcome, ImportedHistory

MAX_ROW_ID = 128
"""The longest row id (the length of an Idempotency-Key)."""

SUBJECT_FROM_CONTENT = 60
"""Without a subject column, the subject is the content's first line cut to this many characters."""


@dataclass(frozen=True)
class Refusal:
    """Why a row is not imported."""

    row: int
    row_id: str | None
    field: str
    code: str
    message: str
    message_zh: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "row_id": self.row_id,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True)
class Prepared:
    """A row ready to be received."""

    row: int
    row_id: str
    submission: ComplaintSubmission
    history: ImportedHistory

    @property
    def digest(self) -> bytes:
        """The request hash kept with the row id: the same row again is recognised as such."""
        return request_digest(self.submission, self.history)


def history_policy(policy: GradingPolicy) -> GradingPolicy:
    """The intake policy as it applies to history: the complainant's contact details a channel
    must send today (a hotline's phone number, an email address) are not asked of old records,
    which often lack them; every other required field still is."""
    relaxed = RequiredFields(
        channels={c: _no_contact(f) for c, f in policy.required_fields.channels.items()},
        categories={c: _no_contact(f) for c, f in policy.required_fields.categories.items()},
    )
    return policy.model_copy(update={"required_fields": relaxed})


def _no_contact(fields: list[Any]) -> list[Any]:
    return [name for name in fields if not name.startswith("complainant.")]


class _Row:
    """The problems of one record, collected while its fields are read."""

    def __init__(self, record: Record, mapping: ImportMapping, zone: ZoneInfo) -> None:
        self.record = record
        self.mapping = mapping
        self.zone = zone
        self.row_id: str | None = None
        self.refusals: list[Refusal] = []

    def refuse(self, field: str, code: str, message: str, message_zh: str) -> None:
        self.refusals.append(Refusal(self.record.number, self.row_id, field, code, message, message_zh))

    def cell(self, field: str) -> Cell:
        column = self.mapping.column(field)
        value = self.record.cells.get(column) if column is not None else None
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "" or value == []:
            return self.mapping.default(field)
        return value

    def text(self, field: str) -> str | None:
        value = self.cell(field)
        if isinstance(value, list):
            self.refuse(field, "not_text", "expected text, got a list", "应为文本，实为列表")
            return None
        return value

    def code(self, field: str) -> str | None:
        value = self.text(field)
        if value is None:
            return None
        table = self.mapping.table(field)
        if value in table:
            return table[value]
        if field not in CODES or value in CODES[field]:
            return value
        self.refuse(
            field,
            "unknown_value",
            f"{value!r} is not a {field} code and the mapping's values.{field} does not map it",
            f"取值 {value!r} 不是有效的{_ZH_FIELD.get(field, field)}代码，"
            f"映射文件的 values.{field} 中也没有它",
        )
        return None

    def refs(self, field: str) -> list[str]:
        value = self.cell(field)
        if value is None:
            return []
        items = value if isinstance(value, list) else value.split(self.mapping.list_separator)
        return [str(item).strip() for item in items if str(item).strip()]

    def instant(self, field: str) -> datetime | None:
        value = self.text(field)
        if value is None:
            return None
        parsed = parse_instant(value, self.mapping.date_formats, self.zone)
        if parsed is None:
            self.refuse(
                field,
                "invalid_date",
                f"{value!r} is not a date and time (ISO-8601 or one of the mapping's date_formats)",
                f"{value!r} 不是可识别的日期时间（应为 ISO-8601 或映射文件 date_formats 中的格式）",
            )
        return parsed


_ZH_FIELD = {
    "channel": "受理渠道",
    "category": "投诉分类",
    "outcome": "办理结果",
    "complainant_kind": "投诉人类型",
    "grade": "级别",
    "department": "部门",
    "subject": "标题",
    "content": "投诉内容",
    "received_at": "受理时间",
}

_TRUE = {"true", "yes", "y", "1", "是", "匿名"}
_FALSE = {"false", "no", "n", "0", "否", "实名"}


def parse_instant(text: str, formats: list[str], zone: ZoneInfo) -> datetime | None:
    """An instant (UTC) from ISO-8601 or one of ``formats``; a time without zone is in ``zone``."""
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        for form in formats:
            try:
                value = datetime.strptime(text, form)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def prepare(
    record: Record, mapping: ImportMapping, policy: GradingPolicy, zone: ZoneInfo, now: datetime
) -> Prepared | list[Refusal]:
    """The row, ready to be received, or every reason it is refused. ``policy``: the intake
    policy as it applies to history (:func:`history_policy`); ``now``: the import's instant."""
    row = _Row(record, mapping, zone)
    if record.problem is not None:
        row.refuse(
            "-",
            "unreadable",
            f"the record cannot be read: {record.problem}",
            f"该行无法读取：{record.problem}",
        )
        return row.refusals
    raw = record.cells.get(mapping.row_id)
    row_id = raw.strip() if isinstance(raw, str) else None
    if not row_id:
        row.refuse(
            "row_id",
            "missing",
            f"the row id column {mapping.row_id!r} is empty",
            f"行编号列「{mapping.row_id}」为空",
        )
    elif len(row_id) > MAX_ROW_ID:
        row.refuse(
            "row_id",
            "too_long",
            f"the row id is longer than {MAX_ROW_ID} characters",
            f"行编号超过 {MAX_ROW_ID} 个字符",
        )
    else:
        row.row_id = row_id
    data = _submission_data(row)
    history = _history(row, data.get("received_at"), now)
    submission = _submission(row, data)
    if submission is not None:
        _policy_problems(row, submission, policy)
    if row.refusals or submission is None or history is None or row.row_id is None:
        return row.refusals
    return Prepared(record.number, row.row_id, submission, history)


def _submission_data(row: _Row) -> dict[str, Any]:
    content = row.text("content")
    subject = row.text("subject")
    if subject is None and content:
        subject = content.splitlines()[0].strip()[:SUBJECT_FROM_CONTENT] or None
    data: dict[str, Any] = {
        "channel": row.code("channel"),
        "complainant_kind": row.code("complainant_kind") or "customer",
        "category": row.code("category"),
        "subject": subject,
        "content": content,
        "product_refs": row.refs("product_refs"),
        "order_refs": row.refs("order_refs"),
        "received_at": row.instant("received_at"),
    }
    grade = row.code("grade")
    if grade is not None:
        data["grade"] = grade
    anonymous = row.text("anonymous")
    if anonymous is not None:
        flag = anonymous.casefold()
        if flag not in _TRUE | _FALSE:
            row.refuse(
                "anonymous", "invalid_flag", f"{anonymous!r} is not yes or no", f"{anonymous!r} 不是“是/否”"
            )
        data["anonymous"] = flag in _TRUE
    complainant = {
        name.removeprefix("complainant."): value
        for name in (
            "complainant.name",
            "complainant.phone",
            "complainant.email",
            "complainant.customer_id",
            "complainant.employee_id",
            "complainant.department",
            "complainant.address",
        )
        if (value := row.text(name)) is not None
    }
    if not data.get("anonymous"):
        data["complainant"] = complainant or None
    return data


def _submission(row: _Row, data: dict[str, Any]) -> ComplaintSubmission | None:
    """The submission, checked by its own schema; None when refused (the reasons are on ``row``)."""
    gaps = False
    for field in ("channel", "category", "subject", "content", "received_at"):
        if data.get(field) is None:
            gaps = True
            if not any(r.field == field for r in row.refusals):  # not said twice (unknown_value ...)
                row.refuse(
                    field,
                    "missing",
                    f"{field} is empty and the mapping gives no default",
                    f"{_ZH_FIELD[field]}（{field}）为空，映射文件也未给出默认值",
                )
    if data.get("complainant") is None and not data.get("anonymous"):
        gaps = True
        row.refuse(
            "complainant.name",
            "missing",
            "no complainant details and no defaults.complainant.name in the mapping",
            "没有投诉人信息，映射文件也未给出 defaults.complainant.name",
        )
    if gaps:
        return None
    try:
        return ComplaintSubmission.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"] if not str(part).isdigit()) or "-"
            row.refuse(field, problem["type"], problem["msg"].removeprefix("Value error, "), _zh(problem))
        return None


def _zh(problem: Any) -> str:
    """The Chinese reason of a schema error (pydantic words it in English only)."""
    context = problem.get("ctx") or {}
    match problem["type"]:
        case "string_too_long":
            return f"超过 {context.get('max_length')} 个字符"
        case "string_too_short":
            return "不能为空"
        case "too_long":
            return f"最多 {context.get('max_length')} 项"
        case "missing":
            return "缺少该项"
        case "enum" | "literal_error":
            return "不是允许的取值"
    return f"格式不正确：{problem['msg'].removeprefix('Value error, ')}"


def _history(row: _Row, received_at: datetime | None, now: datetime) -> ImportedHistory | None:
    outcome = row.code("outcome") or HistoricalOutcome.OPEN.value
    department = row.code("department")
    resolution = row.text("resolution")
    # the dates an outcome has: an open complaint's cells (a planned date, say) mean nothing yet
    resolved_at = row.instant("resolved_at") if outcome != HistoricalOutcome.OPEN else None
    closed_at = row.instant("closed_at") if outcome == HistoricalOutcome.CLOSED else None
    if received_at is not None and received_at > now:
        row.refuse("received_at", "in_future", "received after the import is run", "受理时间晚于导入时间")
    for field, when in (("resolved_at", resolved_at), ("closed_at", closed_at)):
        if when is None or received_at is None:
            continue
        if when < received_at:
            row.refuse(
                field, "before_receipt", f"{field} is before received_at", f"{_ZH_DATES[field]}早于受理时间"
            )
        elif when > now:
            row.refuse(
                field, "in_future", f"{field} is after the import is run", f"{_ZH_DATES[field]}晚于导入时间"
            )
    if resolved_at is not None and closed_at is not None and closed_at < resolved_at:
        row.refuse(
            "closed_at", "before_resolution", "closed_at is before resolved_at", "办结时间早于答复时间"
        )
    if outcome == HistoricalOutcome.RESOLVED and resolved_at is None and "resolved_at" not in _fields(row):
        row.refuse(
            "resolved_at", "missing", "a resolved complaint needs resolved_at", "已答复的投诉需要答复时间"
        )
    if outcome == HistoricalOutcome.CLOSED and closed_at is None and "closed_at" not in _fields(row):
        row.refuse("closed_at", "missing", "a closed complaint needs closed_at", "已办结的投诉需要办结时间")
    if row.refusals or row.row_id is None:
        return None
    return ImportedHistory(
        source=row.mapping.source,
        row_id=row.row_id,
        outcome=HistoricalOutcome(outcome),
        department=department,
        resolution=resolution,
        resolved_at=resolved_at,
        closed_at=closed_at,
    )


_ZH_DATES = {"resolved_at": "答复时间", "closed_at": "办结时间"}


def _fields(row: _Row) -> set[str]:
    return {refusal.field for refusal in row.refusals}


def _policy_problems(row: _Row, submission: ComplaintSubmission, policy: GradingPolicy) -> None:
    """What intake's receive would refuse (services/intake/receive.py), found without writing."""
    missing = policy.missing_fields(submission)
    if missing:
        row.refuse(
            ",".join(missing),
            "missing_fields",
            f"required for this channel or category: {', '.join(missing)}",
            f"该渠道或分类的必填项缺失：{'、'.join(missing)}",
        )
    if submission.grade is not None and submission.grade not in policy.grades:
        row.refuse(
            "grade",
            "grade_not_in_scheme",
            f"grade {submission.grade.value!r} is not in the scheme {policy.scheme}",
            f"级别 {submission.grade.value} 不属于本组织的分级方案",
        )
