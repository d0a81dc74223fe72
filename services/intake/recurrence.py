"""The recurrence rule's memory: which complaints named which product, for which problem.

"The same problem" is the same category; a complaint naming several products counts once per
product. Concurrent submissions may each miss the other (no lock): the rule is a grading aid,
and an agent can still regrade.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

COUNT = text(
    "SELECT product_ref, count(DISTINCT complaint_no) AS n FROM intake_recurrence "
    "WHERE product_ref IN :refs AND category = :category AND received_at > :since "
    "AND received_at <= :until GROUP BY product_ref"
).bindparams(bindparam("refs", expanding=True))
REMEMBER = text(
    "INSERT INTO intake_recurrence (product_ref, category, received_at, complaint_no) "
    "VALUES (:ref, :category, :at, :no) ON CONFLICT DO NOTHING"
)


async def earlier_count(
    conn: AsyncConnection, product_refs: list[str], category: str, received_at: datetime, days: int
) -> int:
    """The most earlier complaints about one of these products and this category in the window."""
    if not product_refs:
        return 0
    rows = await conn.execute(
        COUNT,
        {
            "refs": sorted(set(product_refs)),
            "category": category,
            "since": received_at - timedelta(days=days),
            "until": received_at,
        },
    )
    return max((row.n for row in rows), default=0)


async def remember(
    conn: AsyncConnection, product_refs: list[str], category: str, received_at: datetime, complaint_no: str
) -> None:
    for ref in sorted(set(product_refs)):
        await conn.execute(
            REMEMBER, {"ref": ref, "category": category, "at": received_at, "no": complaint_no}
        )
