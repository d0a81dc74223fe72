"""Reading the co-operations (协同) from analytics_timeline: the open ones (asked and not yet
contributed, on open complaints) and a month's figures per co-operating department."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.complaints.queries import FINAL
from services.analytics.reports.monthly import CooperationFigures, ReportCooperation

EVENTS = """
    SELECT t.complaint_no, t.stream_version, t.type, t.occurred_at, t.actor_id, d.department
    FROM analytics_timeline t
    CROSS JOIN LATERAL (
        SELECT t.summary->>'department' AS department WHERE t.type <> 'ContributionsWaived'
        UNION ALL
        SELECT jsonb_array_elements_text(t.summary->'departments') WHERE t.type = 'ContributionsWaived'
    ) d
    WHERE t.type IN ('CooperationRequested', 'CooperationAccepted', 'ContributionRecorded',
                     'CooperationWithdrawn', 'ContributionsWaived')
"""

OPEN = text(
    f"""
    WITH ev AS ({EVENTS}),
    latest AS (
        SELECT DISTINCT ON (complaint_no, department) complaint_no, department, type, actor_id
        FROM ev ORDER BY complaint_no, department, stream_version DESC
    ),
    asked AS (
        SELECT DISTINCT ON (complaint_no, department) complaint_no, department, occurred_at AS requested_at
        FROM ev WHERE type = 'CooperationRequested'
        ORDER BY complaint_no, department, stream_version DESC
    )
    SELECT l.complaint_no, l.department, l.type, l.actor_id, a.requested_at,
           c.department AS lead_department, c.subject
    FROM latest l
    JOIN asked a ON a.complaint_no = l.complaint_no AND a.department = l.department
    JOIN analytics_complaints c ON c.complaint_no = l.complaint_no
    WHERE l.type IN ('CooperationRequested', 'CooperationAccepted') AND c.status <> ALL(:final)
      AND (CAST(:department AS text) IS NULL OR l.department = :department
           OR c.department = :department)
    ORDER BY a.requested_at, l.complaint_no, l.department
    LIMIT :limit
    """
)

MONTH = text(
    f"""
    WITH ev AS ({EVENTS}),
    breaches AS (
        SELECT complaint_no, summary->>'department' AS department, occurred_at FROM analytics_timeline
        WHERE type = 'SlaBreached'
          AND summary->>'stage' IN ('cooperation_acceptance', 'cooperation_contribution')
    )
    SELECT department,
        count(*) FILTER (WHERE type = 'CooperationRequested') AS asked,
        count(*) FILTER (WHERE type = 'ContributionRecorded') AS contributed,
        count(*) FILTER (
            WHERE type = 'ContributionRecorded' AND NOT EXISTS (
                SELECT 1 FROM breaches b WHERE b.complaint_no = ev.complaint_no
                  AND b.department = ev.department AND b.occurred_at <= ev.occurred_at)
        ) AS on_time,
        count(*) FILTER (WHERE type = 'ContributionsWaived') AS waived,
        (SELECT count(*) FROM breaches b WHERE b.department = ev.department
           AND b.occurred_at >= :start AND b.occurred_at < :end) AS breached
    FROM ev
    WHERE occurred_at >= :start AND occurred_at < :end
    GROUP BY department
    ORDER BY department
    """
)


@dataclass(frozen=True)
class Cooperations:
    """The co-operations as the timeline holds them."""

    engine: AsyncEngine

    async def open(self, department: str | None, limit: int) -> Sequence[dict[str, Any]]:
        """The open co-operations, oldest request first (``department``: only those it leads or
        co-operates on)."""
        async with self.engine.connect() as conn:
            params = {"final": FINAL, "department": department, "limit": limit}
            return [dict(row) for row in (await conn.execute(OPEN, params)).mappings()]

    async def month(self, start: datetime, end: datetime) -> list[ReportCooperation]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(MONTH, {"start": start, "end": end})).mappings().all()
        return [
            ReportCooperation(
                code=row["department"],
                asked=int(row["asked"]),
                contributed=int(row["contributed"]),
                on_time=int(row["on_time"]),
                waived=int(row["waived"]),
                breached=int(row["breached"]),
            )
            for row in rows
        ]


def report_cooperation(cooperations: Cooperations, zone: ZoneInfo) -> CooperationFigures:
    """The monthly report's co-operation figures, from the first local day to the end of the last."""

    async def source(first: date, last: date) -> list[ReportCooperation]:
        start = datetime.combine(first, time.min, zone)
        end = datetime.combine(last + timedelta(days=1), time.min, zone)
        return await cooperations.month(start, end)

    return source
