"""The web pages' sessions in memory, for unit tests (the real store is PostgreSQL:
shared/service/session_store.py), and a session started for a token without the sign-in API."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from shared.service.auth import TokenRegistry
from shared.service.session import Ending, SessionClaims, SessionRecord, Sessions, token_fingerprint


class MemorySessionStore:
    def __init__(self) -> None:
        self.rows: dict[bytes, SessionRecord] = {}
        self.finds = 0
        self.touches = 0

    async def create(self, secret: bytes, record: SessionRecord) -> None:
        self.rows[secret] = record

    async def find(self, secret: bytes) -> SessionRecord | None:
        self.finds += 1
        return self.rows.get(secret)

    async def touch(self, secret: bytes, at: datetime) -> None:
        self.touches += 1
        record = self.rows.get(secret)
        if record is not None and record.revoked_at is None and record.last_seen_at < at:
            self.rows[secret] = replace(record, last_seen_at=at)

    async def revoke(
        self,
        at: datetime,
        reason: Ending,
        by: str | None,
        *,
        secret: bytes | None = None,
        id: uuid.UUID | None = None,
        subject: str | None = None,
    ) -> list[bytes]:
        ended = []
        for digest, record in self.rows.items():
            if record.revoked_at is not None or record.expires_at <= at:
                continue
            if digest == secret or record.id == id or record.subject == subject:
                self.rows[digest] = replace(record, revoked_at=at, revoked_reason=reason, revoked_by=by)
                ended.append(digest)
        return ended

    async def listed(
        self, subject: str | None, live_at: datetime | None, seen_after: datetime, limit: int
    ) -> list[SessionRecord]:
        records = [
            r
            for r in self.rows.values()
            if (subject is None or r.subject == subject)
            and (
                live_at is None
                or (r.revoked_at is None and r.expires_at > live_at and r.last_seen_at > seen_after)
            )
        ]
        return sorted(records, key=lambda r: r.created_at, reverse=True)[:limit]

    async def prune(self, before: datetime) -> int:
        gone = [digest for digest, record in self.rows.items() if record.expires_at < before]
        for digest in gone:
            del self.rows[digest]
        return len(gone)


async def started(sessions: Sessions, tokens: TokenRegistry, token: str) -> tuple[str, SessionClaims]:
    """A live session of ``token``'s entry, as a sign-in starts it: the cookie and its claims."""
    principal = tokens.resolve(token)
    assert principal is not None
    value, claims, _ = await sessions.start(tokens.signer, token_fingerprint(token), principal.subject, None)
    return value, claims
