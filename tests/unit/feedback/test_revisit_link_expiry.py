"""A questionnaire link is single-use and expires by the injected clock; only its hash is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.feedback.config import FeedbackSettings
from services.feedback.links import LinkStatus, issue, token_hash, well_formed
from shared.clock import FakeClock
from tests.builders import T0

pytestmark = pytest.mark.unit

WEEK = timedelta(days=7)


def test_a_new_link_is_open_until_it_expires() -> None:
    clock = FakeClock(T0)
    _, link = issue("TS-1", clock.now(), WEEK)

    assert link.status(clock.now()) is LinkStatus.OPEN
    clock.advance(WEEK - timedelta(seconds=1))
    assert link.status(clock.now()) is LinkStatus.OPEN
    clock.advance(timedelta(seconds=1))
    assert link.status(clock.now()) is LinkStatus.EXPIRED
    assert link.expires_at == T0 + WEEK


def test_a_used_link_stays_used_even_before_its_expiry() -> None:
    _, link = issue("TS-1", T0, WEEK)
    used = link.__class__(link.complaint_no, link.issued_at, link.expires_at, used_at=T0 + timedelta(hours=1))

    assert used.status(T0 + timedelta(hours=2)) is LinkStatus.USED
    assert used.status(T0 + WEEK * 2) is LinkStatus.USED


def test_tokens_are_random_and_kept_only_as_their_digest() -> None:
    first, _ = issue("TS-1", T0, WEEK)
    second, _ = issue("TS-1", T0, WEEK)

    assert first != second and well_formed(first)
    assert len(token_hash(first)) == 32 and token_hash(first) != first.encode()
    assert not well_formed("../etc") and not well_formed("short")


def test_links_last_seven_days_unless_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    assert FeedbackSettings().link_ttl == WEEK
    monkeypatch.setenv("TOUSU_FEEDBACK_LINK_DAYS", "2")
    assert FeedbackSettings().link_ttl == timedelta(days=2)
