"""One rule for a complaint number: every number intake makes passes it, what no number contains
(spaces, slashes, non-ASCII, more than 64 characters) does not."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import TypeAdapter, ValidationError

from services.intake.numbers import format_number
from shared.complaints.values import ComplaintNo

pytestmark = pytest.mark.unit

NUMBER = TypeAdapter(ComplaintNo)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("sequence", [1, 999_999, 1_000_000, 2**63 - 1])
def test_every_number_intake_makes(sequence: int) -> None:
    number = format_number(sequence, datetime(2026, 11, 23, 16, 30, tzinfo=UTC), SHANGHAI)
    assert NUMBER.validate_python(number) == number


@pytest.mark.parametrize("text", ["", "TS 1", "TS/1", "投诉-1", "TS-1\n", "T" * 65])
def test_what_no_number_contains(text: str) -> None:
    with pytest.raises(ValidationError):
        NUMBER.validate_python(text)
