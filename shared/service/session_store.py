"""The sessions of the web pages in PostgreSQL (``web_sessions``, migration 0019).

Every service reads a session by the digest of its id (unique index) and moves its "last used"
forward; only the service that owns sign-in (analytics) creates, ends and forgets sessions. The
privileges say the same (shared/db/grants.py). Each call is its own short transaction, never the
request's: a check must not hold a lock while the endpoint works.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.service.session import Ending, SessionRecord

COLUMNS = (
    "id, token_id, subject, user_agent, created_at, last_seen_at, expires_at, "
    "revoked_at, revoked_reason, revoked_by, role, department, name"
)

CREATE = text(
    "INSERT INTO web_sessions (secret_hash, id, token_id, subject, user_agent, created_at, last_seen_at, "
    "expires_at, role, department, name) VALUES (:secret, :id, :token_id, :subject, :user_agent, "
    ":created_at, :last_seen_at, :expires_at, :role, :department, :name)"
)
FIND = text(f"SELECT {COLUMNS} FROM web_sessions WHERE secret_hash = :secret")
# UPDATE of last_seen_at only: the column the other services may write
TOUCH = text(
    "UPDATE web_sessions SET last_seen_at = :at "
    "WHERE secret_hash = :secret AND last_seen_at < :at AND revoked_at IS NULL"
)
REVOKE = (
    "UPDATE web_sessions SET revoked_at = :at, revoked_reason = :reason, revoked_by = :by "
    "WHERE {where} AND revoked_at IS NULL AND expires_at > :at RETURNING secret_hash"
)
PRUNE = text("DELETE FROM web_sessions WHERE expires_at < :before")


def _record(row: Any) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        token_id=row.token_id,
        subject=row.subject,
        user_agent=row.user_agent,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=Ending(row.revoked_reason) if row.revoked_reason else None,
        revoked_by=row.revoked_by,
        role=row.role,
        department=row.department,
        name=row.name,
    )


class PostgresSessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, secret: bytes, record: SessionRecord) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                CREATE,
                {
                    "secret": secret,
                    "id": record.id,
                    "token_id": record.token_id,
                    "subject": record.subject,
                    "user_agent": record.user_agent,
                    "created_at": record.created_at,
                    "last_seen_at": record.last_seen_at,
                    "expires_at": record.expires_at,
                    "role": record.role,
                    "department": record.department,
                    "name": record.name,
                },
            )

    async def find(self, secret: bytes) -> SessionRecord | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(FIND, {"secret": secret})).first()
        return _record(row) if row is not None else None

    async def touch(self, secret: bytes, at: datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(TOUCH, {"secret": secret, "at": at})

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
        given = {"secret_hash": secret, "id": id, "subject": subject}
        criteria = {column: value for column, value in given.items() if value is not None}
        if len(criteria) != 1:
            raise ValueError("revoke by exactly one of secret, id or subject")
        ((column, value),) = criteria.items()
        statement = text(REVOKE.format(where=f"{column} = :value"))
        async with self.engine.begin() as conn:
            rows = await conn.execute(statement, {"at": at, "reason": reason.value, "by": by, "value": value})
            return [bytes(row.secret_hash) for row in rows]

    async def listed(
        self, subject: str | None, live_at: datetime | None, seen_after: datetime, limit: int
    ) -> list[SessionRecord]:
        where: list[str] = []
        parameters: dict[str, Any] = {"limit": limit}
        if subject is not None:
            where.append("subject = :subject")
            parameters["subject"] = subject
        if live_at is not None:
            where.append("revoked_at IS NULL AND expires_at > :live_at AND last_seen_at > :seen_after")
            parameters.update(live_at=live_at, seen_after=seen_after)
        clause = f"WHERE {' AND '.join(where)} " if where else ""
        query = text(f"SELECT {COLUMNS} FROM web_sessions {clause}ORDER BY created_at DESC, id LIMIT :limit")
        async with self.engine.connect() as conn:
            return [_record(row) for row in await conn.execute(query, parameters)]

    async def prune(self, before: datetime) -> int:
        async with self.engine.begin() as conn:
            return (await conn.execute(PRUNE, {"before": before})).rowcount or 0
