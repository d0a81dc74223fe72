"""Everything a submission reads and writes before its events, in one statement (one round trip).

Receiving a complaint needs, before the append: a new complaint number (``nextval``), the
recurrence rule's count of earlier complaints about the same products and problem, the memory of
this complaint's products for later counts, the complainant's pseudonymous id and key (found by
blind index, or registered), and the duplicate check's earlier complaints of that complainant
plus the memory of this one. Each used to be a statement of its own (up to nine round trips with
BEGIN and COMMIT); here they are common table expressions of one statement, composed for what
the submission needs (:class:`Plan`).

Nothing changes in what is read or written: every part of a statement sees the same snapshot,
so the counts and lookups read what was there before this statement's own inserts, exactly as
when the reads came first. What the parts write is written as before (the same rows, the same
``ON CONFLICT DO NOTHING``). Without a recurrence rule nothing is counted, and products are
remembered all the same; without a complainant nobody is identified and nothing remembered for
the duplicate check.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake import recurrence
from services.intake.duplicates import EARLIER_COLUMNS, EARLIER_CTES
from services.intake.numbers import SEQUENCE_SQL
from shared.privacy.keys import IDENTIFY_COLUMNS, IDENTIFY_CTES


@dataclass(frozen=True)
class Plan:
    """Which parts a submission needs."""

    allocate: bool
    """A new complaint number (else the number given as ``no``: a corrected submission's)."""
    count: bool
    """The recurrence rule's count (a rule, and products named): ``since`` .. ``received_at``."""
    products: bool
    """Remember the products named (``refs``) for later counts."""
    complainant: bool
    """Identify the complainant (``who_*``, see shared.privacy.keys)."""
    history: bool
    """The duplicate check: read the complainant's complaints in ``dup_since`` .. ``received_at``
    and remember this one (``subject_key``); needs ``complainant``."""


@functools.cache
def statement(plan: Plan) -> TextClause:
    """The statement for ``plan`` (one per shape, so each is prepared once per connection)."""
    if plan.history and not plan.complainant:
        raise ValueError("the duplicate check needs the complainant")
    ctes = []
    if plan.allocate:
        ctes += [
            "num AS MATERIALIZED (SELECT nextval('intake_complaint_no_seq') AS seq)",
            "numbered AS MATERIALIZED (SELECT CAST(:prefix AS text) || "
            + SEQUENCE_SQL.format(seq="seq")
            + " AS no FROM num)",
        ]
    else:
        ctes.append("numbered AS MATERIALIZED (SELECT CAST(:no AS text) AS no)")
    if plan.count:
        ctes.append(recurrence.COUNT_CTE)
    if plan.products:
        ctes.append(recurrence.REMEMBER_CTE)
    if plan.complainant:
        ctes.append(IDENTIFY_CTES)
    if plan.history:
        ctes.append(EARLIER_CTES)
    columns = [
        "(SELECT seq FROM num) AS seq" if plan.allocate else "NULL AS seq",
        "(SELECT no FROM numbered) AS no",
        "(SELECT earlier FROM recurrence) AS earlier" if plan.count else "0 AS earlier",
    ]
    if plan.complainant:
        columns.append(IDENTIFY_COLUMNS)
    if plan.history:
        columns.append(EARLIER_COLUMNS)
    source = "(SELECT 1) AS one LEFT JOIN person p ON true" if plan.complainant else "(SELECT 1) AS one"
    return text(f"WITH {', '.join(ctes)} SELECT {', '.join(columns)} FROM {source}")


async def admit(conn: AsyncConnection, plan: Plan, params: dict[str, Any]) -> Any:
    """Run ``plan``'s statement; its one row (``seq``, ``no``, ``earlier``, the complainant's
    ``who_*`` columns, ``earlier_nos`` / ``earlier_subjects``)."""
    return (await conn.execute(statement(plan), params)).one()
