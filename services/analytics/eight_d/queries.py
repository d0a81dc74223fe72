"""The 8D cases read from the complaint read model's timeline (analytics_timeline, kept from every
event, indexed by type and time), as the risk flags are: each case opened (EightDCaseOpened), the
disciplines recorded on it, when D8 closed it, and the breaches of its clocks (SlaBreached of an
``eight_d_*`` stage after it opened). No table of its own: a rebuild of the complaint read model
rebuilds this too. What people typed (the disciplines' content, the team, the attachments) never
enters a read model; the 8D report reads it from the store (:mod:`.report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.complaints.queries import FINAL
from services.analytics.reports.monthly import EightDFigures, ReportEightD

CASES_CTE = """
cases AS (
    SELECT o.complaint_no, CAST(o.summary ->> 'case' AS int) AS "case", o.occurred_at AS opened_at,
           o.summary ->> 'cause' AS cause
    FROM analytics_timeline o WHERE o.type = 'EightDCaseOpened'
),
eight_d AS (
    SELECT k.*,
           (SELECT min(c.occurred_at) FROM analytics_timeline c
            WHERE c.type = 'EightDCaseClosed' AND c.complaint_no = k.complaint_no
              AND CAST(c.summary ->> 'case' AS int) = k."case") AS closed_at,
           (SELECT coalesce(array_agg(DISTINCT d.summary ->> 'discipline'
                                      ORDER BY d.summary ->> 'discipline'), '{}')
            FROM analytics_timeline d
            WHERE d.type = 'EightDDisciplineRecorded' AND d.complaint_no = k.complaint_no
              AND CAST(d.summary ->> 'case' AS int) = k."case") AS recorded,
           (SELECT coalesce(array_agg(DISTINCT b.summary ->> 'stage'
                                      ORDER BY b.summary ->> 'stage'), '{}')
            FROM analytics_timeline b
            WHERE b.type = 'SlaBreached' AND b.complaint_no = k.complaint_no
              AND b.summary ->> 'stage' LIKE 'eight\\_d\\_%' AND b.occurred_at >= k.opened_at) AS breached
    FROM cases k
)"""

LIST = """
WITH {cases}
SELECT e.*, c.subject, c.status, c.department, c.grade, c.category, count(*) OVER () AS total
FROM eight_d e JOIN analytics_complaints c ON c.complaint_no = e.complaint_no
WHERE {where}
ORDER BY e.opened_at, e.complaint_no, e."case"
LIMIT :limit OFFSET :offset
"""

MONTH = """
WITH {cases}
SELECT count(*) FILTER (WHERE e.opened_at >= :start AND e.opened_at < :end) AS opened,
       count(*) FILTER (WHERE e.closed_at >= :start AND e.closed_at < :end) AS closed,
       count(*) FILTER (WHERE e.closed_at >= :start AND e.closed_at < :end
                         AND NOT ('eight_d_closure' = ANY(e.breached))) AS closed_on_time,
       count(*) FILTER (WHERE e.opened_at >= :start AND e.opened_at < :end
                         AND 'eight_d_containment' = ANY(e.breached)) AS containment_late,
       count(*) FILTER (WHERE e.opened_at < :end AND (e.closed_at IS NULL OR e.closed_at >= :end)
                         AND c.status <> ALL(:final)) AS open_at_end
FROM eight_d e JOIN analytics_complaints c ON c.complaint_no = e.complaint_no
"""


class CaseState(StrEnum):
    """Which cases to list."""

    OPEN = "open"
    """Not closed by D8, the complaint still open."""
    CLOSED = "closed"
    """Closed by D8."""
    ENDED = "ended"
    """The complaint ended (closed as unresolvable, withdrawn...) without D8."""
    ALL = "all"


@dataclass(frozen=True)
class CaseFilters:
    state: CaseState = CaseState.OPEN
    department: str | None = None
    overdue_only: bool = False
    final_statuses: tuple[str, ...] = ()

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses = ["true"]
        params: dict[str, Any] = {"final": list(self.final_statuses)}
        if self.state is CaseState.OPEN:
            clauses.append("e.closed_at IS NULL AND c.status <> ALL(:final)")
        elif self.state is CaseState.CLOSED:
            clauses.append("e.closed_at IS NOT NULL")
        elif self.state is CaseState.ENDED:
            clauses.append("e.closed_at IS NULL AND c.status = ANY(:final)")
        if self.department is not None:
            clauses.append("c.department = :department")
            params["department"] = self.department
        if self.overdue_only:
            clauses.append("cardinality(e.breached) > 0")
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class EightDMonth:
    """A period's 8D figures (the monthly report's section)."""

    opened: int
    closed: int
    closed_on_time: int
    """Closed by D8 without a breach of the whole case's clock (7 days by default)."""
    containment_late: int
    """Opened in the period with its containment (D3) clock breached."""
    open_at_end: int
    """Opened by the end of the period, neither closed nor ended by then (still open now)."""


class EightDCases:
    """The 8D cases read model (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def page(
        self, filters: CaseFilters, limit: int, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        where, params = filters.where()
        params.update(limit=limit, offset=offset)
        async with self.engine.connect() as conn:
            result = await conn.execute(text(LIST.format(cases=CASES_CTE, where=where)), params)
            rows = [dict(row) for row in result.mappings()]
        return rows, int(rows[0]["total"]) if rows else 0

    async def of_complaint(self, complaint_no: str) -> list[dict[str, Any]]:
        """The complaint's cases, first opened first."""
        where = "e.complaint_no = :no"
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(LIST.format(cases=CASES_CTE, where=where)),
                {"no": complaint_no, "limit": 50, "offset": 0},
            )
            return [dict(row) for row in result.mappings()]

    async def month(self, start: datetime, end: datetime, final_statuses: tuple[str, ...]) -> EightDMonth:
        params = {"start": start, "end": end, "final": list(final_statuses)}
        async with self.engine.connect() as conn:
            row = (await conn.execute(text(MONTH.format(cases=CASES_CTE)), params)).mappings().one()
        return EightDMonth(**{key: int(row[key]) for key in EightDMonth.__dataclass_fields__})


def report_eight_d(cases: EightDCases, zone: ZoneInfo) -> EightDFigures:
    """The monthly report's 8D figures: from the first local day to the end of the last."""

    async def source(first: date, last: date) -> ReportEightD:
        start = datetime.combine(first, time.min, zone)
        end = datetime.combine(last + timedelta(days=1), time.min, zone)
        month = await cases.month(start, end, tuple(FINAL))
        return ReportEightD(**month.__dict__)

    return source
