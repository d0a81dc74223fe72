"""A plain message (not a stored event) that keeps failing is kept sealed: the letter's row holds
no plaintext. A retry unseals it and handles it once, deduplicated by its message id like any
delivery, and deletes its key: the value is unreadable from then on."""

from __future__ import annotations

import uuid

import pytest

from shared.messaging.dead_letters import ValueUnavailable, open_value
from tests.integration.dead_letters.conftest import MAX_ATTEMPTS, Harness, Note
from tests.integration.messaging.conftest import PHONE, assert_not_logged, capture_all_logs, wait_until
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_a_sealed_message_is_retried_once_and_its_key_forgotten(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    marker = f"marker-{uuid.uuid4().hex}"
    note = Note(note_id=uuid.uuid4().hex, text=f"{marker} 请回电 {PHONE}")
    key = f"note:{note.note_id}"
    sent = await harness.publish_note(note)

    letter = await harness.letter_for(harness.notes, key)
    assert (letter.status.value, letter.attempts, letter.value) == ("open", MAX_ATTEMPTS, "sealed")
    assert (letter.origin_topic, letter.origin_partition, letter.origin_offset) == (
        harness.settings.topic_intake,
        sent.partition,
        sent.offset,
    )
    assert letter.stream_id is None
    assert await harness.key_kept(letter.id)
    # no column holds the value in the clear: not the bytes of the sealed value, nor any text
    for column, stored in (await harness.row(letter.id)).items():
        raw = bytes(stored) if isinstance(stored, bytes | memoryview) else str(stored).encode()
        for secret in (PHONE, marker, "请回电"):
            assert secret.encode() not in raw, f"{secret} in dead_letters.{column}"
    async with harness.runtime.engine.connect() as conn:  # what a retry reads: the original
        assert await open_value(conn, letter.id) == note.model_dump_json().encode()
    # nor does any answer: what an admin sees is where the value is, never the value
    shown = await harness.client.get(f"/v1/admin/dead-letters/{letter.id}", headers=bearer("admin"))
    assert shown.json()["value"] == "sealed"
    assert PHONE not in shown.text and marker not in shown.text

    harness.broken.discard(key)
    answer = await harness.client.post(f"/v1/admin/dead-letters/{letter.id}/retry", headers=bearer("admin"))
    assert answer.status_code == 202
    resolved = await harness.settled(letter.id, "resolved")
    assert resolved.value == "erased"
    assert (resolved.retries, resolved.retry_requested_by) == (1, "admin:test-admin")
    assert await harness.effects(key) == 1
    assert not await harness.key_kept(letter.id)
    async with harness.runtime.engine.connect() as conn:
        with pytest.raises(ValueUnavailable):
            await open_value(conn, letter.id)

    # the same message delivered again (a channel resending it) is a duplicate: handled once only
    duplicates = harness.notes.duplicates
    await harness.publish_note(note, broken=False)
    await wait_until(lambda: harness.notes.duplicates > duplicates)
    assert await harness.effects(key) == 1
    assert (await harness.letter(letter.id)).status.value == "resolved"
    assert_not_logged(caplog.records, PHONE)
    assert_not_logged(caplog.records, marker)
