"""Reading the revisit list (the read side of the revisits table)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

_WHERE = (
    "WHERE status IN :statuses AND (CAST(:due_before AS timestamptz) IS NULL OR due_at < :due_before) "
    "AND (CAST(:department AS text) IS NULL OR department = :department)"
)
COUNT = text(f"SELECT count(*) FROM revisits {_WHERE}").bindparams(bindparam("statuses", expanding=True))
PAGE = text(
    "SELECT complaint_no, department, due_at, status, scheduled_at, completed_at, outcome, score, rounds, "
    f"stream_version FROM revisits {_WHERE} ORDER BY due_at, complaint_no LIMIT :limit OFFSET :offset"
).bindparams(bindparam("statuses", expanding=True))


async def revisits(
    connection: AsyncConnection,
    *,
    statuses: Collection[str],
    due_before: datetime | None,
    department: str | None,
    page: int,
    page_size: int,
) -> tuple[int, list[dict[str, Any]]]:
    """The total count and one page of revisits, earliest due first."""
    params = {"statuses": sorted(statuses), "due_before": due_before, "department": department}
    total: int = (await connection.execute(COUNT, params)).scalar_one()
    rows = await connection.execute(PAGE, {**params, "limit": page_size, "offset": (page - 1) * page_size})
    return total, [dict(row) for row in rows.mappings()]
