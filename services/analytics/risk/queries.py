"""The risk flags read from the complaint read model's timeline (analytics_timeline, kept by the
complaint projection from every event, indexed by type and time): each complaint ever flagged,
with the rules of its current flags (or, once cleared, of the flags cleared), whether it is
flagged now, and when. Reading the timeline rather than keeping a table of its own means there
is no second copy to keep in step: a rebuild of the complaint read model rebuilds this too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.reports.monthly import ReportRisk, RiskFigures

FLAGGED = "ComplaintRiskFlagged"
CLEARED = "ComplaintRiskFlagCleared"


class FlagState(StrEnum):
    """Which flagged complaints to list."""

    FLAGGED = "flagged"
    """Flagged now."""
    CLEARED = "cleared"
    """Flagged once, every flag cleared since."""
    ALL = "all"


FLAGS_CTE = f"""
risk AS (
    SELECT complaint_no, stream_version, type, occurred_at, summary
    FROM analytics_timeline WHERE type IN ('{FLAGGED}', '{CLEARED}')
),
cleared AS (
    SELECT complaint_no, max(stream_version) AS version, max(occurred_at) AS at
    FROM risk WHERE type = '{CLEARED}' GROUP BY complaint_no
),
flags AS (
    SELECT r.complaint_no,
           bool_or(r.stream_version > coalesce(c.version, 0)) AS flagged,
           min(r.occurred_at) AS first_flagged_at,
           max(r.occurred_at) AS last_flagged_at,
           max(c.at) AS cleared_at,
           coalesce(array_agg(DISTINCT x.rule ORDER BY x.rule)
                        FILTER (WHERE r.stream_version > coalesce(c.version, 0)),
                    array_agg(DISTINCT x.rule ORDER BY x.rule)) AS rules,
           array_agg(DISTINCT r.summary ->> 'source' ORDER BY r.summary ->> 'source') AS sources
    FROM risk r
    LEFT JOIN cleared c ON c.complaint_no = r.complaint_no
    CROSS JOIN LATERAL jsonb_array_elements_text(r.summary -> 'rules') AS x(rule)
    WHERE r.type = '{FLAGGED}'
    GROUP BY r.complaint_no
)"""

LIST = """
WITH {flags}
SELECT f.*, c.subject, c.status, c.department, c.grade, c.channel, c.received_at,
       count(*) OVER () AS total
FROM flags f JOIN analytics_complaints c ON c.complaint_no = f.complaint_no
WHERE {where}
ORDER BY f.last_flagged_at DESC, f.complaint_no
LIMIT :limit OFFSET :offset
"""

BY_RULE = f"""
WITH risk AS (
    SELECT t.complaint_no, x.rule
    FROM analytics_timeline t
    CROSS JOIN LATERAL jsonb_array_elements_text(t.summary -> 'rules') AS x(rule)
    WHERE t.type = '{FLAGGED}' AND t.occurred_at >= :start AND t.occurred_at < :end
      AND t.complaint_no IN (SELECT complaint_no FROM analytics_complaints WHERE {{where}})
)
SELECT rule, count(DISTINCT complaint_no) AS complaints,
       (SELECT count(DISTINCT complaint_no) FROM risk) AS flagged
FROM risk GROUP BY rule ORDER BY rule
"""


@dataclass(frozen=True)
class RiskFilters:
    """What the PR owner narrows the list to."""

    state: FlagState = FlagState.FLAGGED
    rules: Sequence[str] = ()
    sources: Sequence[str] = ()
    departments: Sequence[str] = ()
    open_only: bool = False
    flagged_from: datetime | None = None
    flagged_before: datetime | None = None
    final_statuses: Sequence[str] = field(default_factory=tuple)

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = ["true"]
        params: dict[str, Any] = {}
        if self.state is FlagState.FLAGGED:
            clauses.append("f.flagged")
        elif self.state is FlagState.CLEARED:
            clauses.append("NOT f.flagged")
        if self.rules:
            clauses.append("f.rules && CAST(:rules AS text[])")
            params["rules"] = list(self.rules)
        if self.sources:
            clauses.append("f.sources && CAST(:sources AS text[])")
            params["sources"] = list(self.sources)
        if self.departments:
            clauses.append("c.department = ANY(:departments)")
            params["departments"] = list(self.departments)
        if self.open_only:
            clauses.append("c.status <> ALL(:final)")
            params["final"] = list(self.final_statuses)
        if self.flagged_from is not None:
            clauses.append("f.last_flagged_at >= :flagged_from")
            params["flagged_from"] = self.flagged_from
        if self.flagged_before is not None:
            clauses.append("f.last_flagged_at < :flagged_before")
            params["flagged_before"] = self.flagged_before
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class RiskCounts:
    """Complaints flagged in a period: how many, and how many each rule flagged."""

    flagged: int
    by_rule: dict[str, int]


class RiskFlags:
    """The risk flags read model (see the module docstring)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def page(self, filters: RiskFilters, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
        """One page, most recently flagged first, and how many match in all."""
        where, params = filters.where()
        statement = text(LIST.format(flags=FLAGS_CTE, where=where))
        params.update(limit=page_size, offset=(page - 1) * page_size)
        async with self.engine.connect() as conn:
            rows = [dict(row) for row in (await conn.execute(statement, params)).mappings()]
        if rows:
            return rows, int(rows[0]["total"])
        if page == 1:
            return [], 0
        return [], await self._count(filters)

    async def _count(self, filters: RiskFilters) -> int:
        where, params = filters.where()
        statement = text(
            f"WITH {FLAGS_CTE} SELECT count(*) FROM flags f "
            f"JOIN analytics_complaints c ON c.complaint_no = f.complaint_no WHERE {where}"
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(statement, params)).scalar_one())

    async def flags_of(self, complaint_no: str) -> dict[str, Any] | None:
        """The complaint's flags, or None when it was never flagged."""
        statement = text(f"WITH {FLAGS_CTE} SELECT * FROM flags WHERE complaint_no = :no")
        async with self.engine.connect() as conn:
            row = (await conn.execute(statement, {"no": complaint_no})).mappings().first()
        return dict(row) if row is not None else None

    async def counts(
        self, start: datetime, end: datetime, where: str = "true", params: dict[str, Any] | None = None
    ) -> RiskCounts:
        """Complaints flagged in ``start`` .. ``end`` (among those ``where`` selects from
        analytics_complaints), in all and by rule."""
        statement = text(BY_RULE.format(where=where))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement, {**(params or {}), "start": start, "end": end})).all()
        flagged = int(rows[0].flagged) if rows else 0
        return RiskCounts(flagged, {row.rule: int(row.complaints) for row in rows})


def report_risk(flags: RiskFlags, zone: ZoneInfo) -> RiskFigures:
    """The monthly report's risk figures: complaints flagged from the first local day to the end
    of the last."""

    async def source(first: date, last: date) -> ReportRisk:
        start = datetime.combine(first, time.min, zone)
        end = datetime.combine(last + timedelta(days=1), time.min, zone)
        counts = await flags.counts(start, end)
        return ReportRisk(counts.flagged, counts.by_rule)

    return source
