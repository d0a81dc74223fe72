"""The anonymous follow-up code: unguessable, typed forgivingly, kept only as a salted slow hash."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import HTTPException

from services.intake.followup import ALPHABET, GuessLimit, code_hash, new_code, normalise_code
from shared.clock import FakeClock

pytestmark = pytest.mark.unit


def test_codes_are_long_groups_of_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET) and not set("01OI") & set(code)


def test_the_hash_is_salted_and_forgives_case_and_dashes() -> None:
    code, salt = new_code(), os.urandom(16)
    digest = code_hash(code, salt)
    assert code_hash(code.lower().replace("-", " "), salt) == digest
    assert code_hash(code, os.urandom(16)) != digest
    assert code.encode() not in digest and normalise_code(code).encode() not in digest


def test_guessing_is_limited_per_number_and_recovers() -> None:
    clock = FakeClock(datetime(2026, 11, 23, 8, tzinfo=UTC))
    limit = GuessLimit(clock, per_number_per_minute=3, overall_per_minute=100)
    for _ in range(3):
        limit.check("TS-1")
    with pytest.raises(HTTPException) as refused:
        limit.check("TS-1")
    assert refused.value.status_code == 429 and refused.value.headers == {"Retry-After": "20"}
    limit.check("TS-2")  # another number has its own bucket
    clock.advance(timedelta(seconds=20))
    limit.check("TS-1")
