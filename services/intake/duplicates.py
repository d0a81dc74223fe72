"""Possible duplicates (疑似重复): the same complainant about the same subject within the window.

"The same complainant" is the same pseudonymous ``complainant_id`` (shared/privacy: the blind
index of their normalised phone, email, customer or employee number finds the id they were given
first). Only that random id is stored (``intake_complainant_history``), never the contact, and
anonymous complaints have none, so they are never linked. Erasing a complainant deletes their
history rows too, and a later complaint of theirs gets a new id: it is not linked to the past.

"The same subject" is the normalised subject line (Unicode NFKC, case-folded, without spaces,
punctuation and symbols) at least ``min_similarity`` alike by :class:`difflib.SequenceMatcher`
(1.0 = equal). The earlier complaint linked is the most alike, then the earliest.

Concurrent submissions may miss each other (no lock): linking is an aid for supervisors, who
decide whether to merge.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.policy import DuplicateRule
from shared.clock import Clock
from shared.complaints.commands import LinkPossibleDuplicate
from shared.events import Actor
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import Loaded, Outcome, execute

INTAKE = Actor.service("intake")

REMEMBER_AND_READ = text(
    "WITH noted AS (INSERT INTO intake_complainant_history (complainant_ref, complaint_no, subject_key, "
    "received_at) VALUES (:ref, :no, :subject, :at) ON CONFLICT DO NOTHING) "
    "SELECT complaint_no, subject_key FROM intake_complainant_history "
    "WHERE complainant_ref = :ref AND received_at > :since AND received_at <= :until "
    "AND complaint_no <> :no ORDER BY received_at, complaint_no"
)
"""Remember this complaint and read the earlier ones, in one round trip: the read sees the
statement's snapshot, so it finds what it found when it came before the insert."""
EARLIER_CTES = (
    "earlier AS (SELECT h.complaint_no, h.subject_key, h.received_at "
    "FROM intake_complainant_history h "
    "JOIN person p ON h.complainant_ref = CAST(p.complainant_id AS text) "
    "WHERE h.received_at > CAST(:dup_since AS timestamptz) "
    "AND h.received_at <= CAST(:received_at AS timestamptz) "
    "AND h.complaint_no <> (SELECT no FROM numbered)), "
    "noted AS (INSERT INTO intake_complainant_history "
    "(complainant_ref, complaint_no, subject_key, received_at) "
    "SELECT CAST(p.complainant_id AS text), n.no, CAST(:subject_key AS text), "
    "CAST(:received_at AS timestamptz) FROM person p CROSS JOIN numbered n ON CONFLICT DO NOTHING)"
)
"""REMEMBER_AND_READ inside the submission's one statement (services/intake/admission.py): the
complainant is ``person``, the complaint ``numbered.no``; :data:`EARLIER_COLUMNS` reads it."""
EARLIER_COLUMNS = (
    "(SELECT array_agg(complaint_no ORDER BY received_at, complaint_no) FROM earlier) AS earlier_nos, "
    "(SELECT array_agg(subject_key ORDER BY received_at, complaint_no) FROM earlier) AS earlier_subjects"
)
FORGET = text("DELETE FROM intake_complainant_history WHERE complainant_ref = :ref")
FORGET_ONE = text(
    "DELETE FROM intake_complainant_history WHERE complainant_ref = :ref AND complaint_no = :no"
)


def subject_key(subject: str) -> str:
    """The subject line as compared: NFKC, case-folded, letters and digits only."""
    folded = unicodedata.normalize("NFKC", subject).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in "PZSC")


def similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return round(SequenceMatcher(None, a, b).ratio(), 3)


def similarity_bound(a: str, b: str, a_counts: Counter[str]) -> float:
    """An upper bound of ``similarity(a, b)`` (``a_counts = Counter(a)``), far cheaper.

    SequenceMatcher's ratio is 2·matches/(len(a)+len(b)), and matches can exceed neither the
    shorter length nor the characters the two share (its real_quick_ratio and quick_ratio):
    a complainant with many earlier complaints costs one full comparison only for the few that
    may still reach the threshold or beat the best so far.
    """
    if a == b:
        return 1.0
    total = len(a) + len(b)
    if not a or not b:
        return 0.0
    left = dict(a_counts)  # a plain dict and one pass over b: cheaper than Counter(b) & a_counts
    shared = 0
    for ch in b:
        if left.get(ch, 0) > 0:
            left[ch] -= 1
            shared += 1
    return round(2.0 * shared / total, 3)


@dataclass(frozen=True)
class DuplicateCheck:
    """The duplicate rule of the policy."""

    rule: DuplicateRule

    def best(self, key: str, earlier: Iterable[tuple[str, str]]) -> tuple[float, str] | None:
        """The earlier complaint to link, (similarity, complaint_no): the most alike subject at or
        above ``min_similarity``, the first of equals (``earlier`` in the order received)."""
        best: tuple[float, str] | None = None
        counts = Counter(key)
        for complaint_no, earlier_key in earlier:
            bound = similarity_bound(key, earlier_key, counts)
            if bound < self.rule.min_similarity or (best is not None and bound <= best[0]):
                continue  # cannot be chosen: its similarity is at most the bound
            score = similarity(key, earlier_key)
            if score >= self.rule.min_similarity and (best is None or score > best[0]):
                best = (score, complaint_no)
        return best

    async def link(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        *,
        complaint_no: str,
        complainant_id: UUID | None,
        subject: str,
        received_at: datetime,
        clock: Clock,
        current: Loaded | None = None,
    ) -> Outcome | None:
        """Remember this complaint, and link it to an earlier possible duplicate if there is one.

        ``current``: the stream as the caller holds it (see ``execute``), e.g. ``left_by(receipt)``.
        """
        if complainant_id is None:
            return None
        ref = str(complainant_id)
        key = subject_key(subject)
        rows = await conn.execute(
            REMEMBER_AND_READ,
            {
                "ref": ref,
                "no": complaint_no,
                "subject": key,
                "at": received_at,
                "since": received_at - timedelta(days=self.rule.window_days),
                "until": received_at,
            },
        )
        found = self.best(key, ((row.complaint_no, row.subject_key) for row in rows))
        return await self.record(conn, store, complaint_no, found, clock, current)

    async def record(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        complaint_no: str,
        found: tuple[float, str] | None,
        clock: Clock,
        current: Loaded | None = None,
    ) -> Outcome | None:
        """Link ``complaint_no`` to what :meth:`best` found (nothing when it found nothing)."""
        if found is None:
            return None
        command = LinkPossibleDuplicate(
            actor=INTAKE,
            at=clock.now(),
            of=found[1],
            rule=self.rule.name,
            window_days=self.rule.window_days,
            similarity=found[0],
        )
        return await execute(
            store.bound(conn), complaint_no, command, clock=clock, attempts=1, current=current
        )


async def forget(conn: AsyncConnection, complainant_id: UUID) -> None:
    """Erasure: the complainant's earlier complaints are no longer linked to anything new."""
    await conn.execute(FORGET, {"ref": str(complainant_id)})


async def forget_one(conn: AsyncConnection, complainant_ref: str, complaint_no: str) -> None:
    """Take back what was remembered of one complaint (it was not received after all)."""
    await conn.execute(FORGET_ONE, {"ref": complainant_ref, "no": complaint_no})
