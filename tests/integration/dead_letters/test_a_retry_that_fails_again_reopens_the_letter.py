"""A retry that fails again leaves the letter open with the new failure's reason and attempts; asking
again while a retry is pending changes nothing; `--wait` says which way it went."""

from __future__ import annotations

import io

import pytest

from shared.clock import FakeClock
from shared.messaging.dead_letter_admin import request_retry
from tests.integration.dead_letters.conftest import MAX_ATTEMPTS, Harness, run_tousu
from tests.integration.messaging.conftest import PHONE, assert_not_logged, capture_all_logs, wait_until
from tests.support.auth import bearer
from tooling.dead_letters_cli import FAILED, STILL_RETRYING, retry_command

pytestmark = pytest.mark.integration


async def test_a_retry_that_fails_again_reopens_the_letter(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    capture_all_logs(caplog)
    event = await harness.store_event()
    key = str(event.event_id)
    letter = await harness.letter_for(harness.events, key)
    assert letter.attempts == MAX_ATTEMPTS

    answer = await harness.client.post(f"/v1/admin/dead-letters/{letter.id}/retry", headers=bearer("admin"))
    assert answer.status_code == 202
    assert answer.json()["retries"] == 1
    assert answer.json()["retry_requested_by"] == "admin:test-admin"
    assert answer.json()["status"] in ("retrying", "open")  # the consumer may have been quick

    async def failed_again() -> bool:
        now = await harness.letter(letter.id)
        return now.status.value == "open" and now.attempts == 2 * MAX_ATTEMPTS

    await wait_until(failed_again, 30)
    reopened = await harness.letter(letter.id)
    assert reopened.reason == "RuntimeError: planned failure"
    assert reopened.resolved_at is None
    assert harness.attempts[key] == 2 * MAX_ATTEMPTS  # handled again, as many attempts as a delivery
    assert await harness.effects(key) == 0

    # on the command line, --wait says it failed again (exit 1)
    out = io.StringIO()
    code = await retry_command(
        harness.settings, letter.id, out, actor="cli:tests", clock=FakeClock(), wait=30, poll_seconds=0.1
    )
    assert code == FAILED, out.getvalue()
    assert (
        f"dead letter {letter.id} failed again: RuntimeError: planned failure (attempts 9)" in out.getvalue()
    )
    again = await harness.letter(letter.id)
    assert (again.status.value, again.retries, again.retry_requested_by) == ("open", 2, "cli:tests")
    assert_not_logged(caplog.records, PHONE)


async def test_asking_again_while_a_retry_is_pending_changes_nothing(harness: Harness) -> None:
    # another service's letter: no consumer here picks it up, so it stays `retrying`
    letter_id = await harness.foreign_letter()
    async with harness.runtime.engine.begin() as conn:
        first = await request_retry(conn, letter_id, actor="cli:first", clock=harness.runtime.clock)
    assert first.requested and first.letter.status.value == "retrying" and first.letter.retries == 1

    second = await run_tousu(harness.settings, "retry", str(letter_id))
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"dead letter {letter_id} is waiting for its retry already"
    unchanged = await harness.letter(letter_id)
    assert (unchanged.retries, unchanged.retry_requested_by) == (1, "cli:first")

    out = io.StringIO()
    code = await retry_command(
        harness.settings, letter_id, out, actor="cli:tests", clock=FakeClock(), wait=0.3, poll_seconds=0.1
    )
    assert code == STILL_RETRYING
    assert "still retrying after 0.3 s: is a service running consumer elsewhere?" in out.getvalue()


async def test_an_unknown_letter_is_a_one_line_error(harness: Harness) -> None:
    for command in (["show", "999999"], ["retry", "999999"], ["discard", "999999", "--reason", "x"]):
        result = await run_tousu(harness.settings, *command)
        assert (result.returncode, result.stderr) == (1, "tousu dead-letters: no dead letter 999999\n")
    usage = await run_tousu(harness.settings, "show", "seventeen")
    assert usage.returncode == 2 and "not a letter id: 'seventeen'" in usage.stderr
