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
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.policy import DuplicateRule
from shared.clock import Clock
from shared.complaints.commands import LinkPossibleDuplicate
from shared.complaints.handling import Outcome, execute
from shared.events import Actor
from shared.eventstore import PostgresEventStore

INTAKE = Actor.service("intake")

EARLIER = text(
    "SELECT complaint_no, subject_key FROM intake_complainant_history "
    "WHERE complainant_ref = :ref AND received_at > :since AND received_at <= :until "
    "AND complaint_no <> :no ORDER BY received_at"
)
FORGET = text("DELETE FROM intake_complainant_history WHERE complainant_ref = :ref")

REMEMBER = text(
    "INSERT INTO intake_complainant_history (complainant_ref, complaint_no, subject_key, received_at) "
    "VALUES (:ref, :no, :subject, :at) ON CONFLICT DO NOTHING"
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
    ) -> Outcome | None:
        """Remember this complaint, and link it to an earlier possible duplicate if there is one."""
        if complainant_id is None:
            return None
        ref = str(complainant_id)
        key = subject_key(subject)
        rows = await conn.execute(
            EARLIER,
            {
                "ref": ref,
                "since": received_at - timedelta(days=self.rule.window_days),
                "until": received_at,
                "no": complaint_no,
            },
        )
        best: tuple[float, str] | None = None
        counts = Counter(key)
        for row in rows:
            bound = similarity_bound(key, row.subject_key, counts)
            if bound < self.rule.min_similarity or (best is not None and bound <= best[0]):
                continue  # cannot be chosen: its similarity is at most the bound
            score = similarity(key, row.subject_key)
            if score >= self.rule.min_similarity and (best is None or score > best[0]):
                best = (score, row.complaint_no)
        await conn.execute(REMEMBER, {"ref": ref, "no": complaint_no, "subject": key, "at": received_at})
        if best is None:
            return None
        command = LinkPossibleDuplicate(
            actor=INTAKE,
            at=clock.now(),
            of=best[1],
            rule=self.rule.name,
            window_days=self.rule.window_days,
            similarity=best[0],
        )
        return await execute(store.bound(conn), complaint_no, command, clock=clock, attempts=1)


async def forget(conn: AsyncConnection, complainant_id: UUID) -> None:
    """Erasure: the complainant's earlier complaints are no longer linked to anything new."""
    await conn.execute(FORGET, {"ref": str(complainant_id)})
