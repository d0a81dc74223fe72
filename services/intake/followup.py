"""Anonymous follow-up (匿名跟进): a secret code, shown once, is the submitter's only key.

An anonymous employee gets the complaint number and a follow-up code when submitting. Only a
salted scrypt hash of the code is stored (``intake_followup_codes``), never the code itself and
never who submitted. With the number and the code — and only with them — the submitter can read
the status and the department's reply, and answer the revisit (回访).

Both endpoints take the number and code in the JSON body (never the URL, which access logs and
trace spans keep). A wrong code and an unknown number get the same 404, after the same scrypt
work, so an answer never tells whether a number exists. Guessing is rate-limited per complaint
number and over all numbers (in process, like the submission limit; several intake processes
each keep their own counts).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
from datetime import datetime

from fastapi import HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.limits import TokenBuckets, retry_after
from shared.clock import Clock

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
CODE_LENGTH = 20  # 20 × 5 bits = 100 bits: not guessable, even without the rate limit
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
_DUMMY_SALT = b"tousu-no-such-complaint-salt"

_STORE = text(
    "INSERT INTO intake_followup_codes (complaint_no, salt, code_hash, created_at) "
    "VALUES (:no, :salt, :hash, :at)"
)
_FIND = text("SELECT salt, code_hash FROM intake_followup_codes WHERE complaint_no = :no")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normalise_code(code).encode(), salt=salt, **SCRYPT)


async def issue_code(conn: AsyncConnection, complaint_no: str, at: datetime) -> str:
    """A new code for an anonymous complaint; only its salted hash is kept."""
    code, salt = new_code(), os.urandom(16)
    digest = await asyncio.to_thread(code_hash, code, salt)
    await conn.execute(_STORE, {"no": complaint_no, "salt": salt, "hash": digest, "at": at})
    return code


async def code_matches(conn: AsyncConnection, complaint_no: str, code: str) -> bool:
    row = (await conn.execute(_FIND, {"no": complaint_no})).first()
    salt, expected = (bytes(row[0]), bytes(row[1])) if row else (_DUMMY_SALT, b"")
    digest = await asyncio.to_thread(code_hash, code, salt)  # the same work for unknown numbers
    return row is not None and hmac.compare_digest(digest, expected)


NOT_FOUND = HTTPException(
    404,
    detail={
        "error": "not_found",
        "message": "no complaint with this number and follow-up code",
        "message_zh": "投诉编号或跟进码不正确",
    },
)


class GuessLimit:
    """Wrong guesses cost: a bucket per complaint number and one over all numbers."""

    def __init__(
        self, clock: Clock, per_number_per_minute: float = 5, overall_per_minute: float = 120
    ) -> None:
        self.per_number = TokenBuckets(clock, per_number_per_minute, int(per_number_per_minute))
        self.overall = TokenBuckets(clock, overall_per_minute, int(overall_per_minute))

    def check(self, complaint_no: str) -> None:
        wait = max(self.overall.take("*"), self.per_number.take(complaint_no))
        if wait > 0:
            raise HTTPException(
                429,
                detail={
                    "error": "rate_limited",
                    "message": "too many attempts; retry later",
                    "message_zh": "尝试次数过多，请稍后再试",
                    "retry_after_seconds": int(retry_after(wait)),
                },
                headers={"Retry-After": retry_after(wait)},
            )
