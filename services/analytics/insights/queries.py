"""Reading what the dashboard shows beside the KPIs: the month's high-frequency problems, repeat
complaints, SLA calendar warnings, the month's quality incidents (for the scorecards) and the
complaints closed in a week (the inspection population). All from the complaint read models.

Definitions (docs/kpis.md, "High-frequency problems and repeat complaints"):

* a *problem* is a category × product pair: each product reference the complaint names
  (ComplaintReceived.product_refs, kept in its timeline summary), or — for a complaint naming
  no product — its subject line, trimmed and lower-cased. Complaints closed as not a complaint
  are not counted. The month is local (TOUSU_TIMEZONE); the change compares with the month before.
* a *product repeat* is a problem with two or more complaints received in the month;
* a *reopened* complaint is one reopened (ComplaintReopened) in the month;
* a *complainant repeat* is the same pseudonymous complainant_id (shared/privacy) with two or more
  complaints received in the month; only the id and the complaint numbers are shown, never contact
  data. Anonymous complaints have no id and are never counted; an erased complainant's earlier
  complaints keep the old id, which nothing links to a person any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.complaints.queries import FINAL, Filters
from services.analytics.complaints.rows import COMPLAINT_COLUMNS
from services.analytics.scorecards.attribution import HOLDER_EVENTS, INCIDENT_EVENTS, incidents_at_the_time
from services.analytics.scorecards.rules import IncidentRecord

Row = Mapping[str, Any]


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[first day 00:00, first day of the next month 00:00) in the organisation's time zone."""
    first = month.replace(day=1)
    return datetime.combine(first, time(), zone), datetime.combine(next_month(first), time(), zone)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


PROBLEMS_CTE = """
WITH problem AS (
    SELECT c.complaint_no, c.category, c.received_at,
           CASE WHEN p.ref IS NULL THEN 'subject' ELSE 'product' END AS kind,
           coalesce(p.ref, lower(btrim(c.subject))) AS key
    FROM analytics_complaints c
    JOIN analytics_timeline t ON t.complaint_no = c.complaint_no AND t.stream_version = 1
    LEFT JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(t.summary -> 'product_refs') = 'array'
             THEN t.summary -> 'product_refs' ELSE '[]'::jsonb END
    ) AS p(ref) ON TRUE
    WHERE c.received_at >= :from_ AND c.received_at < :end AND c.status <> 'closed_not_complaint'
      AND {where}
)
"""


@dataclass(frozen=True)
class Problem:
    category: str
    kind: str
    """product or subject"""
    key: str
    count: int
    previous: int
    complaint_nos: list[str]


class InsightsReadModel:
    def __init__(self, engine: AsyncEngine, zone: ZoneInfo) -> None:
        self.engine = engine
        self.zone = zone

    async def problems(self, month: date, filters: Filters, limit: int | None) -> list[Problem]:
        """Problems with complaints in the month, most first, with the previous month's count."""
        where, params = filters.where()
        start, end = month_bounds(month, self.zone)
        prev_start, _ = month_bounds(previous_month(month), self.zone)
        sql = text(
            PROBLEMS_CTE.format(where=where)
            + """
            SELECT category, kind, key,
                   count(DISTINCT complaint_no) FILTER (WHERE received_at >= :start) AS current_n,
                   count(DISTINCT complaint_no) FILTER (WHERE received_at < :start) AS previous_n,
                   array_agg(DISTINCT complaint_no) FILTER (WHERE received_at >= :start) AS nos
            FROM problem GROUP BY category, kind, key
            HAVING count(*) FILTER (WHERE received_at >= :start) > 0
            ORDER BY current_n DESC, category, kind, key
            LIMIT :limit
            """
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sql, {**params, "from_": prev_start, "start": start, "end": end, "limit": limit}
            )
            return [
                Problem(r.category, r.kind, r.key, int(r.current_n), int(r.previous_n), sorted(r.nos or []))
                for r in rows
            ]

    async def reopened(self, month: date, filters: Filters) -> list[Row]:
        """Complaints reopened in the month, most reopenings first."""
        where, params = filters.where()
        start, end = month_bounds(month, self.zone)
        sql = text(
            f"""
            SELECT c.complaint_no, c.department, c.category, c.status, c.reopen_count, c.subject,
                   count(*) AS reopened_in_month, max(t.occurred_at) AS last_reopened_at
            FROM analytics_timeline t JOIN analytics_complaints c ON c.complaint_no = t.complaint_no
            WHERE t.type = 'ComplaintReopened' AND t.occurred_at >= :start AND t.occurred_at < :end
              AND {where}
            GROUP BY c.complaint_no
            ORDER BY reopened_in_month DESC, c.reopen_count DESC, c.complaint_no
            """
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(sql, {**params, "start": start, "end": end})
            return [dict(r) for r in rows.mappings()]

    async def complainant_repeats(self, month: date, filters: Filters) -> list[Row]:
        """Pseudonymous complainants with two or more complaints received in the month."""
        where, params = filters.where()
        start, end = month_bounds(month, self.zone)
        sql = text(
            f"""
            SELECT c.complainant_id, count(*) AS count,
                   array_agg(c.complaint_no ORDER BY c.received_at, c.complaint_no) AS complaint_nos
            FROM analytics_complaints c
            WHERE c.complainant_id IS NOT NULL AND c.received_at >= :start AND c.received_at < :end
              AND c.status <> 'closed_not_complaint' AND {where}
            GROUP BY c.complainant_id HAVING count(*) >= 2
            ORDER BY count DESC, min(c.received_at)
            """
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(sql, {**params, "start": start, "end": end})
            return [dict(r) for r in rows.mappings()]

    async def calendar_warnings(self, filters: Filters) -> list[Row]:
        """SlaCalendarYearUnknown warnings of open complaints: deadlines counted without holidays."""
        where, params = filters.where()
        sql = text(
            f"""
            SELECT t.complaint_no, t.occurred_at, t.summary, c.department, c.status
            FROM analytics_timeline t JOIN analytics_complaints c ON c.complaint_no = t.complaint_no
            WHERE t.type = 'SlaCalendarYearUnknown' AND c.status <> ALL(:final) AND {where}
            ORDER BY t.occurred_at DESC, t.complaint_no
            """
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(sql, {**params, "final": FINAL})
            return [dict(r) for r in rows.mappings()]

    async def incidents(self, month: date) -> list[IncidentRecord]:
        """The month's breaches, reopenings and dissatisfied feedback, each charged to the
        department and agent holding the complaint just before it (scorecards/attribution.py):
        the timeline of every complaint with an incident in the month, up to the month's end."""
        start, end = month_bounds(month, self.zone)
        sql = text(
            """
            SELECT t.complaint_no, t.stream_version, t.type, t.summary, t.occurred_at
            FROM analytics_timeline t
            WHERE t.complaint_no IN (
                    SELECT complaint_no FROM analytics_timeline
                    WHERE type = ANY(:incident_types) AND occurred_at >= :start AND occurred_at < :end)
              AND t.type = ANY(:types) AND t.occurred_at < :end
            ORDER BY t.complaint_no, t.stream_version
            """
        )
        types = sorted({*HOLDER_EVENTS, *INCIDENT_EVENTS})
        params = {"start": start, "end": end, "incident_types": list(INCIDENT_EVENTS), "types": types}
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sql, params)).mappings().all()
        return incidents_at_the_time([dict(r) for r in rows], start, end)

    async def active_departments(self, month: date) -> list[str]:
        """Departments holding a complaint received or changed in the month (they get a scorecard
        even without incidents: full marks)."""
        start, end = month_bounds(month, self.zone)
        sql = text(
            "SELECT DISTINCT department FROM analytics_complaints WHERE department IS NOT NULL "
            "AND ((received_at >= :start AND received_at < :end) "
            "OR (updated_at >= :start AND updated_at < :end)) ORDER BY department"
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(sql, {"start": start, "end": end})).scalars())

    async def closed_between(self, start: datetime, end: datetime) -> list[str]:
        """Complaints closed (handled: status closed) in [start, end)."""
        sql = text(
            "SELECT complaint_no FROM analytics_complaints "
            "WHERE status = 'closed' AND closed_at >= :start AND closed_at < :end ORDER BY complaint_no"
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(sql, {"start": start, "end": end})).scalars())

    async def holders(self, numbers: list[str]) -> dict[str, Row]:
        """Department and agent (and the row for views) of the given complaints."""
        sql = text(
            f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM analytics_complaints WHERE complaint_no = ANY(:nos)"
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(sql, {"nos": numbers})
            return {r["complaint_no"]: dict(r) for r in rows.mappings()}
