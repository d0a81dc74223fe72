"""ComplaintReceived schema 1 carried the complainant in plaintext; upcasting drops it."""

from __future__ import annotations

import pytest

from shared.complaints import COMPLAINT_EVENTS, ComplaintReceived
from tests.builders import as_recorded, receive, received

pytestmark = pytest.mark.unit


def test_a_schema_1_event_reads_without_its_plaintext() -> None:
    payload = received(complainant=None).model_dump(mode="json")
    del payload["complainant_id"], payload["personal_data"]
    payload["complainant"] = {"name": "旧数据", "phone": "13900000000"}
    record = as_recorded("TS-1", [(receive(), [received()])])[0].model_copy(
        update={"schema_version": 1, "payload": payload}
    )
    event = COMPLAINT_EVENTS.decode(record)
    assert isinstance(event, ComplaintReceived)
    assert event.complainant_id is None and event.personal_data is None and not event.anonymous
    assert "13900000000" not in event.model_dump_json()


def test_an_anonymous_schema_1_event_stays_anonymous() -> None:
    payload = received(anonymous=True, complainant_kind="employee").model_dump(mode="json")
    del payload["complainant_id"], payload["personal_data"]
    payload["complainant"] = None
    record = as_recorded("TS-1", [(receive(), [received()])])[0].model_copy(
        update={"schema_version": 1, "payload": payload}
    )
    event = COMPLAINT_EVENTS.decode(record)
    assert isinstance(event, ComplaintReceived) and event.anonymous
