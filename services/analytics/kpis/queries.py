"""KPIs, backlog by age and the at-risk list, computed in SQL from the complaint read model.

Every KPI is about the cohort of complaints *received* in a slice (local period × group), so a
period's figures keep improving while its complaints are worked and are final once they are all
closed. The exact formulas are in docs/kpis.md; the SQL below is their single implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.bounds import local_start
from services.analytics.complaints.queries import FINAL, Filters
from services.analytics.complaints.rows import COMPLAINT_COLUMNS
from services.analytics.kpis.service_volume import store_volume
from services.analytics.kpis.targets import KPI_LABELS, KPI_UNITS, Kpi, Target, rag

GRANULARITIES = ("day", "week", "month")
DIMENSIONS = ("channel", "category", "department", "grade")

VALID = "status <> 'closed_not_complaint'"
BREACHED_RESPONSE = """sla_breach_log @> '[{"stage": "first_response"}]'"""
BREACHED_RESOLUTION = """sla_breach_log @> '[{"stage": "resolution"}]'"""
RESOLVED_ONCE = "(resolved_at IS NOT NULL OR reopen_count > 0 OR status = 'closed')"
HANDLING_HOURS = "extract(epoch FROM closed_at - received_at) / 3600.0"
EMPLOYEE = "complainant_kind = 'employee'"
EIGHT_D_CLOSED = (
    "EXISTS (SELECT 1 FROM analytics_timeline e8 WHERE e8.complaint_no = analytics_complaints.complaint_no "
    "AND e8.type = 'EightDCaseClosed')"
)
"""The complaint has an 8D case closed by D8 (docs/8d.md), from the timeline."""
BREACHED_EIGHT_D = """sla_breach_log @> '[{"stage": "eight_d_closure"}]'"""

AGGREGATES = f"""
    count(*) AS received,
    count(*) FILTER (WHERE {VALID}) AS valid,
    count(*) FILTER (WHERE {VALID} AND (first_response_at IS NOT NULL OR {BREACHED_RESPONSE})) AS resp_due,
    count(*) FILTER (WHERE {VALID} AND first_response_at IS NOT NULL AND NOT {BREACHED_RESPONSE}) AS resp_ok,
    count(*) FILTER (WHERE status = 'closed') AS closed,
    count(*) FILTER (WHERE status = 'closed' AND reopen_count = 0) AS closed_first,
    count(*) FILTER (WHERE {VALID} AND ({RESOLVED_ONCE} OR {BREACHED_RESOLUTION})) AS handle_due,
    count(*) FILTER (WHERE {VALID} AND {RESOLVED_ONCE} AND NOT {BREACHED_RESOLUTION}) AS handle_ok,
    count(feedback_score) AS feedback_n,
    avg(feedback_score)::float AS feedback_avg,
    count(feedback_score) FILTER (WHERE {EMPLOYEE}) AS emp_feedback_n,
    (avg(feedback_score) FILTER (WHERE {EMPLOYEE}))::float AS emp_feedback_avg,
    count(*) FILTER (WHERE {VALID} AND status <> 'withdrawn') AS formal,
    count(*) FILTER (WHERE {VALID} AND sla_breaches > 0) AS breached,
    count(*) FILTER (WHERE {VALID} AND {RESOLVED_ONCE}) AS resolved_once,
    count(*) FILTER (WHERE {VALID} AND reopen_count > 0) AS reopened,
    count(*) FILTER (WHERE eight_d_closed OR {BREACHED_EIGHT_D}) AS eight_d_due,
    count(*) FILTER (WHERE eight_d_closed AND NOT {BREACHED_EIGHT_D}) AS eight_d_ok,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY {HANDLING_HOURS})
        FILTER (WHERE status = 'closed') AS ht_median,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY {HANDLING_HOURS})
        FILTER (WHERE status = 'closed') AS ht_p90
"""


@dataclass(frozen=True)
class KpiQuery:
    granularity: str
    date_from: date
    date_to: date
    """Inclusive, local days."""
    by: str | None
    filters: Filters


@dataclass(frozen=True)
class Measured:
    code: Kpi
    value: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True)
class SliceRow:
    period: date | None
    group: str | None
    received: int
    valid: int
    kpis: list[Measured]


def measure(row: Mapping[str, Any], volume: float | None) -> list[Measured]:
    """The KPIs of one aggregated row (and the slice's service volume, None when unknown)."""

    def pct(code: Kpi, numerator: Any, denominator: Any) -> Measured:
        n, d = float(numerator or 0), float(denominator or 0)
        return Measured(code, round(100.0 * n / d, 4) if d else None, n, d)

    def score(code: Kpi, mean: Any, count: Any) -> Measured:
        n = int(count or 0)
        return Measured(
            code,
            round(float(mean) * 20, 4) if n else None,
            round(float(mean) * 20 * n, 4) if n else None,
            float(n),
        )

    result = [
        pct(Kpi.RESPONSE_TIMELINESS, row["resp_ok"], row["resp_due"]),
        pct(Kpi.FIRST_CONTACT_RESOLUTION, row["closed_first"], row["closed"]),
        pct(Kpi.TIMELY_HANDLING, row["handle_ok"], row["handle_due"]),
        score(Kpi.SATISFACTION, row["feedback_avg"], row["feedback_n"]),
        score(Kpi.EMPLOYEE_SATISFACTION, row.get("emp_feedback_avg"), row.get("emp_feedback_n")),
        pct(Kpi.COMPLAINT_RATE, row["valid"], volume)
        if volume is not None
        else Measured(Kpi.COMPLAINT_RATE, None, float(row["valid"] or 0), None),
        pct(Kpi.FORMAL_RESOLUTION, row["closed"], row["formal"]),
        pct(Kpi.SLA_BREACH_RATE, row["breached"], row["valid"]),
        pct(Kpi.REOPEN_RATE, row["reopened"], row["resolved_once"]),
    ]
    closed = float(row["closed"] or 0)
    for code, column in ((Kpi.HANDLING_TIME_MEDIAN, "ht_median"), (Kpi.HANDLING_TIME_P90, "ht_p90")):
        value = row[column]
        result.append(Measured(code, round(float(value), 4) if value is not None else None, None, closed))
    result.append(pct(Kpi.EIGHT_D_ON_TIME, row.get("eight_d_ok"), row.get("eight_d_due")))
    return result


COUNT_COLUMNS = (
    "received",
    "valid",
    "resp_due",
    "resp_ok",
    "closed",
    "closed_first",
    "handle_due",
    "handle_ok",
    "feedback_n",
    "emp_feedback_n",
    "formal",
    "breached",
    "resolved_once",
    "reopened",
    "eight_d_due",
    "eight_d_ok",
)


def measure_nothing() -> list[Measured]:
    """The KPIs of an empty slice: no values (not zero rates)."""
    row: dict[str, Any] = dict.fromkeys(COUNT_COLUMNS, 0)
    return measure(
        {**row, "feedback_avg": None, "emp_feedback_avg": None, "ht_median": None, "ht_p90": None}, None
    )


def _volume_query(
    query: KpiQuery, channels: Sequence[str] | None
) -> tuple[TextClause, dict[str, Any]] | None:
    """The service volume per period (and channel) of a KPI query, the complaint rate's
    denominator; None when the query is sliced by another dimension (volume has no department,
    category or grade)."""
    if query.by not in (None, "channel"):
        return None
    volume_group = "channel" if query.by == "channel" else "NULL::text"
    sql = text(
        f"""
        SELECT date_trunc(:g, day)::date AS period, {volume_group} AS grp,
               GROUPING(date_trunc(:g, day)::date) AS g_period, sum(volume)::float AS volume
        FROM analytics_service_volume
        WHERE day >= :from_day AND day <= :to_day
          AND (CAST(:channels AS text[]) IS NULL OR channel = ANY(CAST(:channels AS text[])))
        GROUP BY GROUPING SETS ((date_trunc(:g, day)::date, {volume_group}), ({volume_group}))
        """
    )
    params = {
        "g": query.granularity,
        "from_day": query.date_from,
        "to_day": query.date_to,
        "channels": list(channels) if channels else None,
    }
    return sql, params


class KpiReadModel:
    def __init__(self, engine: AsyncEngine, zone: ZoneInfo) -> None:
        self.engine = engine
        self.zone = zone

    async def slices(self, query: KpiQuery) -> tuple[list[SliceRow], list[SliceRow]]:
        """(totals per group over the range, series per period and group)."""
        assert query.granularity in GRANULARITIES and (query.by is None or query.by in DIMENSIONS)
        where, params = query.filters.where()
        group = query.by or "NULL::text"
        params = {
            **params,
            "g": query.granularity,
            "tz": self.zone.key,
            "start": local_start(query.date_from, self.zone),
            "end": local_start(query.date_to + timedelta(days=1), self.zone),
        }
        sql = text(
            f"""
            WITH c AS (
                SELECT *, date_trunc(:g, received_at AT TIME ZONE :tz)::date AS period, {group} AS grp,
                       {EIGHT_D_CLOSED} AS eight_d_closed
                FROM analytics_complaints
                WHERE received_at >= :start AND received_at < :end AND {where}
            )
            SELECT period, grp, GROUPING(period) AS g_period, {AGGREGATES}
            FROM c GROUP BY GROUPING SETS ((period, grp), (grp))
            ORDER BY period NULLS FIRST, grp NULLS LAST
            """
        )
        volume = _volume_query(query, params.get("channel"))
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            rows = (await conn.execute(sql, params)).mappings().all()
            volumes: dict[tuple[date | None, str | None], float] = {}
            if volume is not None:
                for v in (await conn.execute(*volume)).mappings():
                    volumes[(None if v["g_period"] else v["period"], v["grp"])] = v["volume"]
        totals: list[SliceRow] = []
        series: list[SliceRow] = []
        for row in rows:
            period = None if row["g_period"] else row["period"]
            served = volumes.get((period, row["grp"])) if volume is not None else None
            item = SliceRow(
                period, row["grp"], int(row["received"]), int(row["valid"]), measure(dict(row), served)
            )
            (totals if period is None else series).append(item)
        return totals, series

    async def backlog(
        self, filters: Filters, now: datetime, edges_hours: Sequence[int]
    ) -> list[Mapping[str, Any]]:
        """Open complaints per department and age bucket (bucket i: age < edges[i], last: older)."""
        where, params = filters.where()
        sql = text(
            f"""
            SELECT department,
                   width_bucket(extract(epoch FROM CAST(:now AS timestamptz) - received_at) / 3600.0,
                                CAST(:edges AS float8[])) AS bucket,
                   count(*) AS n,
                   max(extract(epoch FROM CAST(:now AS timestamptz) - received_at) / 3600.0) AS oldest
            FROM analytics_complaints
            WHERE status <> ALL(:final) AND {where}
            GROUP BY department, bucket
            """
        )
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sql, {**params, "now": now, "edges": [float(e) for e in edges_hours], "final": FINAL}
            )
            return [dict(row) for row in result.mappings()]

    async def at_risk(self, filters: Filters, limit: int) -> tuple[list[Mapping[str, Any]], int]:
        """Open complaints with a warning or a breach: breached first, then oldest first."""
        where, params = filters.where()
        condition = f"status <> ALL(:final) AND (sla_warnings > 0 OR sla_breaches > 0) AND {where}"
        params = {**params, "final": FINAL}
        async with self.engine.connect() as conn:
            await conn.execution_options(isolation_level="REPEATABLE READ")
            total = (
                await conn.execute(
                    text(f"SELECT count(*) FROM analytics_complaints WHERE {condition}"), params
                )
            ).scalar_one()
            rows = await conn.execute(
                text(
                    f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM analytics_complaints WHERE {condition} "
                    "ORDER BY (sla_breaches > 0) DESC, received_at, complaint_no LIMIT :limit"
                ),
                {**params, "limit": limit},
            )
            return [dict(r) for r in rows.mappings()], int(total)

    async def store_volume(
        self, entries: Sequence[tuple[date, str, int]], reported_by: str, at: datetime
    ) -> int:
        """Store figures reported over HTTP (the Kafka consumer stores them in its own transaction)."""
        async with self.engine.begin() as conn:
            return await store_volume(conn, entries, reported_by, at)


def target_verdict(measured: Measured, targets: Mapping[Kpi, Target]) -> tuple[Target, str | None]:
    target = targets[measured.code]
    verdict = rag(measured.value, target)
    return target, verdict.value if verdict else None


__all__ = ["DIMENSIONS", "GRANULARITIES", "KPI_LABELS", "KPI_UNITS", "KpiQuery", "KpiReadModel", "measure"]
