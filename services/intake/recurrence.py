"""The recurrence rule's memory: which complaints named which product, for which problem.

"The same problem" is the same category; a complaint naming several products counts once per
product. Concurrent submissions may each miss the other (no lock): the rule is a grading aid,
and an agent can still regrade.

Both parts run inside the submission's one statement before its events
(services/intake/admission.py), as common table expressions.
"""

from __future__ import annotations

COUNT_CTE = (
    "recurrence AS (SELECT coalesce(max(n), 0) AS earlier FROM (SELECT count(DISTINCT complaint_no) "
    "AS n FROM intake_recurrence WHERE product_ref = ANY(CAST(:refs AS text[])) "
    "AND category = CAST(:category AS text) AND received_at > CAST(:since AS timestamptz) "
    "AND received_at <= CAST(:received_at AS timestamptz) GROUP BY product_ref) AS per_product)"
)
"""``recurrence.earlier``: the most earlier complaints about one of the products ``refs`` and
this category within ``since`` .. ``received_at``."""

REMEMBER_CTE = (
    "remembered AS (INSERT INTO intake_recurrence (product_ref, category, received_at, complaint_no) "
    "SELECT r.ref, CAST(:category AS text), CAST(:received_at AS timestamptz), n.no "
    "FROM unnest(CAST(:refs AS text[])) WITH ORDINALITY AS r(ref, i) CROSS JOIN numbered n "
    "ORDER BY r.i ON CONFLICT DO NOTHING)"
)
"""One row per product named (``refs``, sorted and distinct: rows in sorted order, as concurrent
inserts expect), for the complaint ``numbered.no``."""
