"""Discarding a letter records who (the caller, never a body field), when and why, and deletes its
key: its sealed value is unreadable from then on. A discarded or resolved letter cannot be
discarded or retried; a reason is required, bounded, and never holds a NUL."""

from __future__ import annotations

import uuid

import pytest

from shared.messaging.dead_letter_admin import discard_letter, request_retry
from shared.messaging.dead_letters import ValueUnavailable, open_value
from tests.integration.dead_letters.conftest import Harness, Note, run_tousu
from tests.integration.messaging.conftest import PHONE, assert_not_logged, capture_all_logs
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

ADMIN = bearer("admin")


async def test_a_discarded_letter_keeps_who_when_and_why_and_loses_its_value(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    note = Note(note_id=uuid.uuid4().hex, text=f"请回电 {PHONE}")
    await harness.publish_note(note)
    letter = await harness.letter_for(harness.notes, f"note:{note.note_id}")
    assert letter.value == "sealed"
    url = f"/v1/admin/dead-letters/{letter.id}/discard"

    for body in (
        {"reason": ""},
        {"reason": "   "},
        {"reason": "bad\u0000reason"},
        {"reason": "x" * 501},
        {"reason": "OPS-1", "discarded_by": "someone-else"},  # the actor is the caller
        {},
    ):
        answer = await harness.client.post(url, headers=ADMIN, json=body)
        assert answer.status_code == 422, body
        assert answer.json()["error"] == "invalid_request"
    assert (await harness.letter(letter.id)).status.value == "open"

    answer = await harness.client.post(
        url, headers=ADMIN, json={"reason": "  OPS-1: the channel resent it  "}
    )
    assert answer.status_code == 200
    discarded = answer.json()
    assert discarded["status"] == "discarded"
    assert discarded["discarded_by"] == "admin:test-admin"
    assert discarded["discard_reason"] == "OPS-1: the channel resent it"
    assert discarded["discarded_at"] == "2026-01-05T01:00:00Z"  # the service's clock
    assert discarded["value"] == "erased"
    assert not await harness.key_kept(letter.id)
    async with harness.runtime.engine.connect() as conn:
        with pytest.raises(ValueUnavailable):
            await open_value(conn, letter.id)

    # final: neither discarded again nor retried, over HTTP or on the command line
    for path, body in (("discard", {"reason": "again"}), ("retry", None)):
        answer = await harness.client.post(
            f"/v1/admin/dead-letters/{letter.id}/{path}", headers=ADMIN, json=body
        )
        assert answer.status_code == 409
        assert answer.json() == {
            "error": "already_discarded",
            "message": f"dead letter {letter.id} was discarded; it cannot be "
            + ("discarded again" if path == "discard" else "retried"),
            "message_zh": f"死信 {letter.id} 已丢弃，不能再" + ("丢弃" if path == "discard" else "重试"),
            "letter_id": letter.id,
            "status": "discarded",
        }
    cli = await run_tousu(harness.settings, "retry", str(letter.id))
    assert (cli.returncode, cli.stderr) == (
        1,
        f"tousu dead-letters: dead letter {letter.id} was discarded; it cannot be retried\n",
    )
    shown = await run_tousu(harness.settings, "show", str(letter.id))
    assert "discard reason  OPS-1: the channel resent it" in shown.stdout
    assert "erased (its key was deleted: unreadable)" in shown.stdout
    listed = await run_tousu(harness.settings, "list", "--status", "discarded")
    assert f"{letter.id}  discarded" in listed.stdout
    assert_not_logged(caplog.records, PHONE)


async def test_the_command_line_discards_with_a_reason_only(harness: Harness) -> None:
    letter_id = await harness.foreign_letter()
    empty = await run_tousu(harness.settings, "discard", str(letter_id), "--reason", "  ")
    assert (empty.returncode, empty.stderr) == (2, "tousu dead-letters: --reason: a reason is required\n")
    missing = await run_tousu(harness.settings, "discard", str(letter_id))
    assert missing.returncode == 2 and "--reason" in missing.stderr

    done = await run_tousu(harness.settings, "discard", str(letter_id), "--reason", "OPS-2")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"dead letter {letter_id} discarded (its value is unreadable now)\n"
    letter = await harness.letter(letter_id)
    assert (letter.status.value, letter.discard_reason, letter.value) == ("discarded", "OPS-2", "erased")
    assert letter.discarded_by is not None and letter.discarded_by.startswith("cli:")


async def test_a_letter_waiting_for_its_retry_may_be_discarded(harness: Harness) -> None:
    letter_id = await harness.foreign_letter()  # no consumer here takes it: it stays retrying
    async with harness.runtime.engine.begin() as conn:
        await request_retry(conn, letter_id, actor="cli:tests", clock=harness.runtime.clock)
    async with harness.runtime.engine.begin() as conn:
        letter = await discard_letter(
            conn, letter_id, actor="cli:tests", reason="its consumer is gone", clock=harness.runtime.clock
        )
    assert (letter.status.value, letter.retries, letter.value) == ("discarded", 1, "erased")
