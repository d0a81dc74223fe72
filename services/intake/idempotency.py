"""Idempotency-Key: a retried submission returns the complaint number of the first one."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.events import canonical_json, sha256

CLAIM = text(
    "INSERT INTO intake_idempotency (principal, key, request_hash, complaint_no, stream_version) "
    "VALUES (:principal, :key, :hash, '', 0) ON CONFLICT DO NOTHING RETURNING 1"
)
FIND = text(
    "SELECT request_hash, complaint_no, stream_version FROM intake_idempotency "
    "WHERE principal = :principal AND key = :key"
)
HELD = text("SELECT 1 FROM intake_idempotency WHERE principal = :principal AND key = :key")
RECORD = text(
    "UPDATE intake_idempotency SET complaint_no = :no, stream_version = :version "
    "WHERE principal = :principal AND key = :key"
)


@dataclass(frozen=True)
class Earlier:
    complaint_no: str
    stream_version: int
    same_request: bool


def request_hash(body: object) -> bytes:
    return sha256(canonical_json(body))


async def claim(conn: AsyncConnection, principal: str, key: str, digest: bytes) -> Earlier | None:
    """None when this key is new (now held by this transaction); else the earlier outcome.

    A concurrent request with the same key waits on the primary key until the first commits.
    """
    params = {"principal": principal, "key": key}
    if (await conn.execute(CLAIM, {**params, "hash": digest})).first() is not None:
        return None
    row = (await conn.execute(FIND, params)).one()
    return Earlier(row.complaint_no, row.stream_version, bytes(row.request_hash) == digest)


async def held(conn: AsyncConnection, principal: str, key: str) -> bool:
    """Whether this key is known (claimed or recorded) for this principal."""
    return (await conn.execute(HELD, {"principal": principal, "key": key})).first() is not None


async def record(conn: AsyncConnection, principal: str, key: str, complaint_no: str, version: int) -> None:
    await conn.execute(RECORD, {"principal": principal, "key": key, "no": complaint_no, "version": version})
