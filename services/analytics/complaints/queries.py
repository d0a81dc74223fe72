"""Reading the read models: one complaint with its timeline, filtered pages, grouped counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.analytics.complaints.rows import COMPLAINT_COLUMNS, TIMELINE_COLUMNS
from shared.complaints import FINAL_STATUSES

Row = Mapping[str, Any]

FINAL = sorted(status.value for status in FINAL_STATUSES)

SELECT_COMPLAINT = text(
    f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM analytics_complaints WHERE complaint_no = :no"
)
SELECT_TIMELINE = text(
    f"SELECT {', '.join(TIMELINE_COLUMNS)} FROM analytics_timeline "
    "WHERE complaint_no = :no ORDER BY stream_version"
)

FILTERABLE = ("status", "department", "channel", "category", "grade")
"""Columns a list may be filtered on (each with any of several values)."""

DIMENSIONS = ("status", "channel", "category", "grade", "department")
"""Columns the statistics count by."""


@dataclass(frozen=True)
class Filters:
    """Which complaints to list: each given column must have one of the given values."""

    values: dict[str, Sequence[str]] = field(default_factory=dict)
    scope_department: str | None = None
    """Only this department's complaints (an agent's view), whatever else is asked."""
    search: str | None = None
    """Text the complaint number, subject line or one of the named products contains (any case)."""
    received_from: datetime | None = None
    """Only complaints received at or after this instant."""
    received_before: datetime | None = None
    """Only complaints received before this instant."""

    def where(self) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for column in FILTERABLE:
            wanted = self.values.get(column)
            if wanted:
                clauses.append(f"{column} = ANY(:{column})")
                params[column] = list(wanted)
        if self.scope_department is not None:
            clauses.append("department = :scope_department")
            params["scope_department"] = self.scope_department
        if self.search:
            # LIKE's own wildcards in the text are matched literally
            escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append(
                "(complaint_no ILIKE :search OR subject ILIKE :search OR EXISTS (SELECT 1 FROM "
                "analytics_timeline t WHERE t.complaint_no = analytics_complaints.complaint_no "
                "AND t.type = 'ComplaintReceived' AND (t.summary ->> 'product_refs') ILIKE :search))"
            )
            params["search"] = f"%{escaped}%"
        if self.received_from is not None:
            clauses.append("received_at >= :received_from")
            params["received_from"] = self.received_from
        if self.received_before is not None:
            clauses.append("received_at < :received_before")
            params["received_before"] = self.received_before
        return (" AND ".join(clauses) or "TRUE"), params


@dataclass(frozen=True)
class Counts:
    """Counts of one value of one dimension (or of everything, for dimension None)."""

    dimension: str | None
    code: str | None
    count: int
    open: int
    breaches: int
    breached: int


async def _snapshot(conn: AsyncConnection) -> None:
    """Several statements, one consistent view (a consumer may commit between them)."""
    await conn.execution_options(isolation_level="REPEATABLE READ")


class ReadModel:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def complaint(self, complaint_no: str) -> tuple[Row, list[Row]] | None:
        """The complaint's row and its timeline rows, or None."""
        async with self.engine.connect() as conn:
            await _snapshot(conn)
            row = (await conn.execute(SELECT_COMPLAINT, {"no": complaint_no})).mappings().first()
            if row is None:
                return None
            timeline = (await conn.execute(SELECT_TIMELINE, {"no": complaint_no})).mappings().all()
            return dict(row), [dict(r) for r in timeline]

    async def page(self, filters: Filters, page: int, page_size: int) -> tuple[list[Row], int]:
        """One page, newest received first, and how many match in all."""
        where, params = filters.where()
        async with self.engine.connect() as conn:
            await _snapshot(conn)
            total = (
                await conn.execute(text(f"SELECT count(*) FROM analytics_complaints WHERE {where}"), params)
            ).scalar_one()
            rows = (
                (
                    await conn.execute(
                        text(
                            f"SELECT {', '.join(COMPLAINT_COLUMNS)} FROM analytics_complaints WHERE {where} "
                            "ORDER BY received_at DESC, complaint_no DESC LIMIT :limit OFFSET :offset"
                        ),
                        {**params, "limit": page_size, "offset": (page - 1) * page_size},
                    )
                )
                .mappings()
                .all()
            )
        return [dict(row) for row in rows], int(total)

    async def counts(self, scope_department: str | None) -> list[Counts]:
        """Counts by each dimension, and the grand total (dimension None), in one statement."""
        where, params = Filters(scope_department=scope_department).where()
        groupings = ", ".join(f"GROUPING({d}) AS g_{d}" for d in DIMENSIONS)
        sets = ", ".join(f"({d})" for d in DIMENSIONS)
        sql = text(
            f"SELECT {', '.join(DIMENSIONS)}, {groupings}, count(*) AS n, "
            "count(*) FILTER (WHERE status <> ALL(:final)) AS open_n, "
            "coalesce(sum(sla_breaches), 0) AS breaches, "
            "count(*) FILTER (WHERE sla_breaches > 0) AS breached "
            f"FROM analytics_complaints WHERE {where} GROUP BY GROUPING SETS ({sets}, ())"
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(sql, {**params, "final": FINAL})).mappings().all()
        result: list[Counts] = []
        for row in rows:
            grouped = [d for d in DIMENSIONS if row[f"g_{d}"] == 0]
            dimension = grouped[0] if grouped else None
            result.append(
                Counts(
                    dimension=dimension,
                    code=row[dimension] if dimension else None,
                    count=int(row["n"]),
                    open=int(row["open_n"]),
                    breaches=int(row["breaches"]),
                    breached=int(row["breached"]),
                )
            )
        return result
