"""Possible duplicates (疑似重复): the same complainant about the same subject within the window.

"The same complainant" is decided by ONE function, :func:`complainant_ref`: an HMAC-SHA256 (key
from ``TOUSU_INTAKE_DUPLICATE_KEY``) of the complainant's most stable normalised identifier, in
this order: employee number, customer number, phone (digits, without +86), email (lower case).
Only that keyed hash is stored (``intake_complainant_history``), never the contact itself, and
anonymous complaints have no reference, so they are never linked. Two submissions that identify
the same person differently (a phone once, an email once) are not linked: a miss, not a wrong
link.

"The same subject" is the normalised subject line (Unicode NFKC, case-folded, without spaces,
punctuation and symbols) at least ``min_similarity`` alike by :class:`difflib.SequenceMatcher`
(1.0 = equal). The earlier complaint linked is the most alike, then the earliest.

Concurrent submissions may miss each other (no lock): linking is an aid for supervisors, who
decide whether to merge.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.policy import DuplicateRule
from shared.clock import Clock
from shared.complaints.commands import LinkPossibleDuplicate
from shared.complaints.events import Complainant
from shared.complaints.handling import Outcome, execute
from shared.events import Actor
from shared.eventstore import PostgresEventStore

INTAKE = Actor.service("intake")

EARLIER = text(
    "SELECT complaint_no, subject_key, received_at FROM intake_complainant_history "
    "WHERE complainant_ref = :ref AND received_at > :since AND received_at <= :until "
    "AND complaint_no <> :no ORDER BY received_at"
)
REMEMBER = text(
    "INSERT INTO intake_complainant_history (complainant_ref, complaint_no, subject_key, received_at) "
    "VALUES (:ref, :no, :subject, :at) ON CONFLICT DO NOTHING"
)


def _phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):  # +86 138 1234 5678
        digits = digits[2:]
    return digits


def complainant_ref(complainant: Complainant | None, key: bytes) -> str | None:
    """The keyed hash identifying the complainant, or None (anonymous, or no identifier)."""
    if complainant is None:
        return None
    candidates = (
        ("employee", (complainant.employee_id or "").strip().casefold()),
        ("customer", (complainant.customer_id or "").strip().casefold()),
        ("phone", _phone(complainant.phone or "")),
        ("email", (complainant.email or "").strip().casefold()),
    )
    for kind, value in candidates:
        if value:
            return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return None


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


@dataclass(frozen=True)
class DuplicateCheck:
    """The duplicate rule of the policy, with the key of the complainant references."""

    rule: DuplicateRule
    key: bytes

    async def link(
        self,
        conn: AsyncConnection,
        store: PostgresEventStore,
        *,
        complaint_no: str,
        complainant: Complainant | None,
        subject: str,
        received_at: datetime,
        clock: Clock,
    ) -> Outcome | None:
        """Remember this complaint, and link it to an earlier possible duplicate if there is one."""
        ref = complainant_ref(complainant, self.key)
        if ref is None:
            return None
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
        for row in rows:
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
