"""The attention queue: open complaints whose time limit ran out or is about to, with the stage,
deadline, how far overdue and the escalation; resolved complaints whose revisit is past due kept
apart (their clock is the revisit, not the department's work); and the headline counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.attention.models import (
    Attention,
    AttentionCounts,
    AttentionItem,
    Overdue,
    RevisitItem,
)
from services.analytics.complaints.models import Label
from services.analytics.complaints.queries import FINAL, Filters
from services.analytics.complaints.rows import COMPLAINT_COLUMNS, complaint_from_row
from services.analytics.complaints.views import department_label, instant, labelled
from shared.complaints import Status
from shared.events import Role

RISK_LABELS = {
    "breached": Label(zh_cn="已超时", en="Breached"),
    "at_risk": Label(zh_cn="临近超时", en="At risk"),
}

REVISIT = Status.REVISIT_PENDING.value


def _span(seconds: int) -> tuple[str, str]:
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} 天 {hours} 小时", f"{days} d {hours} h"
    if hours:
        return f"{hours} 小时 {mins} 分", f"{hours} h {mins} min"
    return f"{mins} 分钟", f"{mins} min"


def overdue(deadline: datetime, now: datetime) -> Overdue:
    seconds = int((now - deadline).total_seconds())
    zh, en = _span(seconds)
    if seconds >= 0:
        return Overdue(seconds=seconds, label=Label(zh_cn=f"超时 {zh}", en=f"overdue by {en}"))
    return Overdue(seconds=seconds, label=Label(zh_cn=f"剩余 {zh}", en=f"{en} left"))


def _target(escalated_to: str | None) -> Label | None:
    """Who it was escalated to: a role (the SLA policy escalates to roles), else shown as given."""
    if not escalated_to:
        return None
    try:
        return labelled(Role(escalated_to))
    except ValueError:
        return labelled(escalated_to)


def attention_item(row: Mapping[str, Any], zone: ZoneInfo, now: datetime) -> AttentionItem:
    projected = complaint_from_row(row)
    s = projected.state
    assert s.status and s.grade
    breached = bool(s.sla_breaches)
    latest = s.sla_breaches[-1] if breached else s.sla_warnings[-1]
    escalation = None
    if s.escalation_level:
        target = _target(s.escalated_to)
        escalation = Label(
            zh_cn=f"第 {s.escalation_level} 级" + (f" → {target.zh_cn}" if target else ""),
            en=f"level {s.escalation_level}" + (f" → {target.en}" if target else ""),
        )
    return AttentionItem(
        complaint_no=projected.complaint_no,
        subject=projected.subject,
        risk="breached" if breached else "at_risk",
        risk_label=RISK_LABELS["breached" if breached else "at_risk"],
        stage=latest.stage.value,
        stage_label=labelled(latest.stage),
        deadline=instant(latest.deadline, zone),
        overdue=overdue(latest.deadline, now),
        escalation_level=s.escalation_level,
        escalation_label=escalation,
        department=s.department,
        department_label=department_label(s.department),
        status_label=labelled(s.status),
        grade_label=labelled(s.grade),
    )


def revisit_item(row: Mapping[str, Any], zone: ZoneInfo, now: datetime) -> RevisitItem:
    due = row["revisit_due_at"]
    return RevisitItem(
        complaint_no=row["complaint_no"],
        subject=row["subject"],
        due_at=instant(due, zone),
        overdue=overdue(due, now),
        department=row["department"],
        department_label=department_label(row["department"]),
    )


NOT_CONFIRMED = "NOT (coalesce(feedback_satisfied, false) OR coalesce(feedback_acknowledged, false))"
"""The revisit is not done: a complainant who confirmed the solution while the complaint's 8D case
is open has been revisited; the complaint closes when D8 is recorded (docs/8d.md)."""


class AttentionReadModel:
    def __init__(self, engine: AsyncEngine, zone: ZoneInfo) -> None:
        self.engine = engine
        self.zone = zone

    async def attention(self, filters: Filters, now: datetime, limit: int) -> Attention:
        where, params = filters.where()
        params = {**params, "final": FINAL, "revisit": REVISIT, "now": now, "limit": limit}
        open_ = f"status <> ALL(:final) AND {where}"
        queue = f"{open_} AND status <> :revisit AND (sla_warnings > 0 OR sla_breaches > 0)"
        late_revisit = f"{open_} AND status = :revisit AND revisit_due_at <= :now AND {NOT_CONFIRMED}"
        columns = ", ".join(COMPLAINT_COLUMNS)
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            counts = (
                await conn.execute(
                    text(
                        "SELECT count(*) AS open, "
                        "count(*) FILTER (WHERE status <> :revisit AND sla_breaches > 0) AS breached, "
                        "count(*) FILTER (WHERE status <> :revisit AND sla_breaches = 0 "
                        "AND sla_warnings > 0) AS at_risk, "
                        "count(*) FILTER (WHERE status = :revisit AND revisit_due_at <= :now "
                        f"AND {NOT_CONFIRMED}) AS revisits "
                        f"FROM analytics_complaints WHERE {open_}"
                    ),
                    params,
                )
            ).mappings().one()
            # breached before at risk; the oldest received first approximates the earliest deadline
            # for the limit, and the page is then sorted by the deadline itself below
            rows = (
                await conn.execute(
                    text(
                        f"SELECT {columns} FROM analytics_complaints WHERE {queue} "
                        "ORDER BY (sla_breaches > 0) DESC, received_at, complaint_no LIMIT :limit"
                    ),
                    params,
                )
            ).mappings().all()
            revisits = (
                await conn.execute(
                    text(
                        f"SELECT {columns} FROM analytics_complaints WHERE {late_revisit} "
                        "ORDER BY revisit_due_at, complaint_no LIMIT :limit"
                    ),
                    params,
                )
            ).mappings().all()
        items = sorted(
            (attention_item(dict(row), self.zone, now) for row in rows),
            key=lambda item: (item.risk != "breached", item.deadline.utc, item.complaint_no),
        )
        return Attention(
            counts=AttentionCounts(
                open=int(counts["open"]),
                breached=int(counts["breached"]),
                at_risk=int(counts["at_risk"]),
                overdue_revisits=int(counts["revisits"]),
            ),
            items=items,
            revisits=[revisit_item(dict(row), self.zone, now) for row in revisits],
            now=instant(now, self.zone),
        )
