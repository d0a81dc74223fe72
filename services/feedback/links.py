"""Questionnaire links (问卷回访): a single-use, expiring token the complainant opens without an
account.

The token (32 random bytes, URL-safe) is shown once, in the link; ``revisit_links`` keeps only
its SHA-256 digest. A link expires ``ttl`` after it was issued, by the service's clock, and is
used once: :func:`take` locks the row, and the caller marks it used in the transaction that
records the feedback, so two answers racing each other record one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


class LinkStatus(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class SentVia(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    NONE = "none"
    """Not sent: the agent copies the link (read it out, paste it into a chat)."""


@dataclass(frozen=True)
class RevisitLink:
    complaint_no: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def status(self, now: datetime) -> LinkStatus:
        if self.used_at is not None:
            return LinkStatus.USED
        if now >= self.expires_at:
            return LinkStatus.EXPIRED
        return LinkStatus.OPEN


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii")).digest()


def well_formed(token: str) -> bool:
    """A token this service could have issued (anything else is unknown without a lookup)."""
    return TOKEN_SHAPE.fullmatch(token) is not None


def issue(complaint_no: str, now: datetime, ttl: timedelta) -> tuple[str, RevisitLink]:
    """A new link's token (shown once) and its row."""
    return new_token(), RevisitLink(complaint_no=complaint_no, issued_at=now, expires_at=now + ttl)


_INSERT = text(
    "INSERT INTO revisit_links (token_hash, complaint_no, issued_at, expires_at, issued_by, sent_via) "
    "VALUES (:hash, :no, :issued_at, :expires_at, :issued_by, :sent_via)"
)
_FIND = "SELECT complaint_no, issued_at, expires_at, used_at FROM revisit_links WHERE token_hash = :hash"
_USE = text("UPDATE revisit_links SET used_at = :now WHERE token_hash = :hash AND used_at IS NULL")


async def store(
    conn: AsyncConnection, token: str, link: RevisitLink, *, issued_by: str, sent_via: SentVia
) -> None:
    await conn.execute(
        _INSERT,
        {
            "hash": token_hash(token),
            "no": link.complaint_no,
            "issued_at": link.issued_at,
            "expires_at": link.expires_at,
            "issued_by": issued_by[:200],
            "sent_via": sent_via.value,
        },
    )


async def find(conn: AsyncConnection, token: str, *, lock: bool = False) -> RevisitLink | None:
    """The link of ``token``, or None; ``lock``: held until the transaction ends (to use it)."""
    if not well_formed(token):
        return None
    query = text(_FIND + (" FOR UPDATE" if lock else ""))
    row = (await conn.execute(query, {"hash": token_hash(token)})).mappings().first()
    return RevisitLink(**dict(row)) if row is not None else None


async def mark_used(conn: AsyncConnection, token: str, now: datetime) -> bool:
    """True when this call used the link (it was not used before)."""
    result = await conn.execute(_USE, {"hash": token_hash(token), "now": now})
    return bool(result.rowcount)
