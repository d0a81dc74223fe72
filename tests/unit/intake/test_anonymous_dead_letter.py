"""An invalid anonymous Kafka submission is dead-lettered without the identity it wrongly carries."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from services.intake.subscribers import decode_submission
from shared.messaging.consumer import PoisonMessage

pytestmark = pytest.mark.unit

MESSAGE = {
    "submission_id": "portal-1",
    "channel_id": "employee-portal",
    "channel": "employee_platform",
    "complainant_kind": "employee",
    "category": "pay_benefits",
    "subject": "加班费",
    "content": "加班费未发放。",
}


def test_an_anonymous_one_is_parked_without_the_complainant() -> None:
    wrong = {**MESSAGE, "anonymous": True, "complainant": {"name": "王小明", "employee_id": "E77341"}}
    with pytest.raises(PoisonMessage) as poison:
        decode_submission(json.dumps(wrong).encode())
    assert poison.value.parked is not None
    parked = poison.value.parked.decode()
    assert "王小明" not in parked and "E77341" not in parked and "portal-1" in parked
    assert poison.value.errors and "王小明" not in str(poison.value.errors)


def test_other_invalid_submissions_are_dead_lettered_as_they_are() -> None:
    with pytest.raises(ValidationError):
        decode_submission(json.dumps({**MESSAGE, "channel": "pigeon"}).encode())
