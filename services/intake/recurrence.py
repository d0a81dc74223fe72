"""The recurrence rule's memory: which complaints named which product, for which problem.

"The same problem" is the same category; a complaint naming several products counts once per
product. Concurrent submissions may each miss the other (no lock): the rule is a grading aid,
and an agent can still regrade.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.numbers import NEXT

_EARLIER = (
    "SELECT coalesce(max(n), 0) FROM (SELECT count(DISTINCT complaint_no) AS n FROM intake_recurrence "
    "WHERE product_ref IN :refs AND category = :category AND received_at > :since "
    "AND received_at <= :until GROUP BY product_ref) AS per_product"
)
COUNT = text(f"SELECT ({_EARLIER}) AS earlier, NULL AS seq").bindparams(bindparam("refs", expanding=True))
COUNT_AND_NUMBER = text(
    f"SELECT ({_EARLIER}) AS earlier, nextval('intake_complaint_no_seq') AS seq"
).bindparams(bindparam("refs", expanding=True))
"""The count and the next complaint number in one round trip (a submission needs both)."""
REMEMBER = text(
    "INSERT INTO intake_recurrence (product_ref, category, received_at, complaint_no) "
    "SELECT ref, :category, :at, :no FROM unnest(CAST(:refs AS text[])) WITH ORDINALITY AS r(ref, i) "
    "ORDER BY i ON CONFLICT DO NOTHING"
)
"""One statement for every product named (rows in sorted order, as concurrent inserts expect)."""


async def earlier_count(
    conn: AsyncConnection,
    product_refs: list[str],
    category: str,
    received_at: datetime,
    days: int,
    *,
    allocate_number: bool = False,
) -> tuple[int, int | None]:
    """The most earlier complaints about one of these products and this category in the window.

    With ``allocate_number``, also the next complaint-number sequence value (``nextval``), read
    in the same statement; else None.
    """
    if not product_refs:
        return 0, ((await conn.execute(NEXT)).scalar_one() if allocate_number else None)
    row = (
        await conn.execute(
            COUNT_AND_NUMBER if allocate_number else COUNT,
            {
                "refs": sorted(set(product_refs)),
                "category": category,
                "since": received_at - timedelta(days=days),
                "until": received_at,
            },
        )
    ).one()
    return int(row.earlier), row.seq


async def remember(
    conn: AsyncConnection, product_refs: list[str], category: str, received_at: datetime, complaint_no: str
) -> None:
    if not product_refs:
        return
    await conn.execute(
        REMEMBER,
        {"refs": sorted(set(product_refs)), "category": category, "at": received_at, "no": complaint_no},
    )
