"""Reading the departments' assignments (the read side of routing_assignments): the complaints a
department leads and those it co-operates on (协同), both in its feed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.complaints.values import Status

_WHERE = "WHERE (department = :department OR :department = ANY(cooperating)) AND status IN :statuses"
COUNT = text(f"SELECT count(*) FROM routing_assignments {_WHERE}").bindparams(
    bindparam("statuses", expanding=True)
)
PAGE = text(
    "SELECT complaint_no, department, cooperations, status, category, grade, channel, complainant_kind, "
    "subject, agent, assigned_at, "
    f"escalation_level, reopen_count, reopened, stream_version FROM routing_assignments {_WHERE} "
    "ORDER BY assigned_at DESC NULLS LAST, complaint_no DESC LIMIT :limit OFFSET :offset"
).bindparams(bindparam("statuses", expanding=True))


async def department_assignments(
    connection: AsyncConnection, department: str, statuses: Collection[Status], page: int, page_size: int
) -> tuple[int, list[dict[str, Any]]]:
    """The total count and one page of a department's complaints in ``statuses``, newest first: the
    ones it leads and the ones it co-operates on."""
    params = {"department": department, "statuses": sorted(s.value for s in statuses)}
    total: int = (await connection.execute(COUNT, params)).scalar_one()
    rows = await connection.execute(PAGE, {**params, "limit": page_size, "offset": (page - 1) * page_size})
    return total, [dict(row) for row in rows.mappings()]
