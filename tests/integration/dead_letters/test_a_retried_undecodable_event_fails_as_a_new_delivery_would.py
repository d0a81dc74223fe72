"""A message on the events topic that is not an event (garbage, or not our relay's) is
dead-lettered at once as "invalid message" with field-level reasons, its value sealed. Retried,
it fails the same way a new delivery of the same bytes would: at once, with that reason and
those field errors (not as a plain message: an events consumer has no message subscription).
"""

from __future__ import annotations

import pytest

from tests.integration.dead_letters.conftest import MAX_ATTEMPTS, Harness
from tests.integration.messaging.conftest import PHONE, assert_not_logged, capture_all_logs
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_a_retried_undecodable_event_fails_as_a_new_delivery_would(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    sent = await harness.runtime.producer.send_and_wait(
        harness.settings.topic_events, value=f'{{"phone": "{PHONE}"}}'.encode(), key=b"garbage"
    )
    message_id = f"{sent.topic}:{sent.partition}:{sent.offset}"
    letter = await harness.letter_for(harness.events, message_id)
    assert (letter.reason, letter.attempts, letter.value) == ("invalid message", 1, "sealed")
    assert ("phone", "extra_forbidden") in {(error["field"], error["type"]) for error in letter.errors}

    answer = await harness.client.post(f"/v1/admin/dead-letters/{letter.id}/retry", headers=bearer("admin"))
    assert answer.status_code == 202
    reopened = await harness.settled(letter.id, "open")
    assert_not_logged(caplog.records, PHONE)
    assert (reopened.reason, reopened.errors) == (letter.reason, letter.errors)
    assert reopened.attempts == 2, f"tried {reopened.attempts - 1} times (MAX_ATTEMPTS {MAX_ATTEMPTS})"
