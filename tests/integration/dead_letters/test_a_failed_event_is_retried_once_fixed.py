"""A stored event whose handler keeps failing is dead-lettered, listed (command line and HTTP),
and once the handler is fixed, `tousu dead-letters retry` has it handled: exactly once, resolved."""

from __future__ import annotations

import getpass
import json

import pytest

from tests.integration.dead_letters.conftest import MAX_ATTEMPTS, Harness, run_tousu
from tests.integration.messaging.conftest import PHONE, assert_not_logged, capture_all_logs
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_a_fixed_handler_handles_the_retried_event_once(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    event = await harness.store_event()
    key = str(event.event_id)

    letter = await harness.letter_for(harness.events, key)
    assert letter.status.value == "open"
    assert letter.attempts == MAX_ATTEMPTS == harness.attempts[key]
    assert (letter.event_type, letter.stream_id, letter.stream_version) == (
        "SomethingHappened",
        event.stream_id,
        1,
    )
    assert letter.value == "store"
    assert await harness.effects(key) == 0  # every failed attempt rolled back

    # listed on the command line: a table in the organisation's time zone, and as JSON
    table = await run_tousu(harness.settings, "list")
    assert table.returncode == 0, table.stderr
    line = next(line for line in table.stdout.splitlines() if line.lstrip().startswith(f"{letter.id} "))
    assert (
        "open" in line and harness.events.name in line and f"SomethingHappened {event.stream_id} v1" in line
    )
    assert "RuntimeError: planned failure" in line
    assert "LAST FAILED (Asia/Shanghai)" in table.stdout
    assert "2026-01-05 09:00:00" in line  # the runtime's clock, 01:00 UTC
    listed = await run_tousu(harness.settings, "list", "--json", "--consumer", harness.events.name)
    assert listed.returncode == 0, listed.stderr
    page = json.loads(listed.stdout)
    assert [entry["id"] for entry in page["letters"]] == [letter.id]
    assert page["letters"][0]["last_failed_at"] == "2026-01-05T01:00:00Z"
    shown = await run_tousu(harness.settings, "show", str(letter.id))
    assert shown.returncode == 0, shown.stderr
    assert f"dead letter {letter.id} (open)" in shown.stdout and "in the event store" in shown.stdout
    assert "2026-01-05 09:00:00 CST" in shown.stdout

    # and over HTTP, by an admin
    answer = await harness.client.get("/v1/admin/dead-letters", headers=bearer("admin"))
    assert answer.status_code == 200
    assert letter.id in [entry["id"] for entry in answer.json()["letters"]]
    answer = await harness.client.get(f"/v1/admin/dead-letters/{letter.id}", headers=bearer("admin"))
    assert answer.status_code == 200
    assert answer.json()["reason"] == "RuntimeError: planned failure"
    assert answer.json()["status"] == "open"

    harness.broken.discard(key)  # the handler is fixed
    retried = await run_tousu(harness.settings, "retry", str(letter.id), "--wait", "30")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"dead letter {letter.id} marked for retry" in retried.stdout
    assert f"dead letter {letter.id} resolved" in retried.stdout

    assert await harness.effects(key) == 1  # exactly once
    assert harness.attempts[key] == MAX_ATTEMPTS + 1
    resolved = await harness.letter(letter.id)
    assert resolved.status.value == "resolved"
    assert resolved.resolved_at == harness.runtime.clock.now()
    assert resolved.retries == 1
    assert resolved.retry_requested_by == f"cli:{getpass.getuser()}"
    assert resolved.attempts == MAX_ATTEMPTS  # the retry succeeded: no failure added

    # a resolved letter cannot be retried again: a one-line refusal, exit 1
    again = await run_tousu(harness.settings, "retry", str(letter.id))
    assert again.returncode == 1
    assert again.stderr.strip() == (
        f"tousu dead-letters: dead letter {letter.id} is resolved already; it cannot be retried"
    )
    assert (await run_tousu(harness.settings, "list")).stdout.strip() == "no dead letters (open, retrying)"
    assert await harness.effects(key) == 1
    assert_not_logged(caplog.records, PHONE)
