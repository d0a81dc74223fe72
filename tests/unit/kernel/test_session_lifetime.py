"""A session is live until it is signed out, revoked, past its absolute expiry or idle too long,
all judged by the injected clock; a process remembers a live session for a few seconds, writes
"last used" at most once a minute, and sees its own revocations at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.clock import FakeClock
from shared.events import Role
from shared.service.auth import TokenEntry, TokenRegistry
from shared.service.session import Ending, SessionPolicy, Sessions, secret_digest, user_agent_summary
from shared.service.session_pruning import prune_sessions
from tests.support.sessions import MemorySessionStore, started

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TOKEN = "operator-secret-0123456789"
POLICY = SessionPolicy(lifetime_seconds=8 * 3600, idle_seconds=30 * 60, cache_seconds=5)
TOKENS = TokenRegistry([TokenEntry(token=TOKEN, subject="op", role=Role.OPERATOR)])


def at_start(policy: SessionPolicy = POLICY) -> tuple[Sessions, MemorySessionStore, FakeClock]:
    store, clock = MemorySessionStore(), FakeClock(START)
    return Sessions(store, clock, policy), store, clock


async def test_a_new_session_is_stored_by_digest_with_its_times() -> None:
    sessions, store, _ = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    ((digest, record),) = store.rows.items()
    assert digest == secret_digest(claims.session_id)
    assert record.subject == "op" and record.token_id != TOKEN
    assert record.created_at == record.last_seen_at == START
    assert record.expires_at == START + timedelta(hours=8)
    assert claims.expires_at == int(record.expires_at.timestamp())
    assert await sessions.live(claims) == record


async def test_it_ends_at_its_absolute_expiry_however_busy() -> None:
    sessions, _, clock = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    for _ in range(8 * 4 - 1):
        clock.advance(timedelta(minutes=15))
        assert await sessions.live(claims) is not None
    clock.advance(timedelta(minutes=15))
    assert await sessions.live(claims) is None


async def test_it_ends_after_the_idle_timeout_and_each_use_moves_it() -> None:
    sessions, store, clock = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    clock.advance(timedelta(minutes=29, seconds=59))
    assert await sessions.live(claims) is not None  # used: the next half hour starts now
    clock.advance(timedelta(minutes=29, seconds=59))
    assert await sessions.live(claims) is not None
    clock.advance(timedelta(minutes=30))
    assert await sessions.live(claims) is None
    (record,) = store.rows.values()
    assert record.ending(clock.now(), POLICY.idle_seconds) is Ending.IDLE


async def test_last_used_is_written_at_most_once_a_minute() -> None:
    sessions, store, clock = at_start(SessionPolicy(cache_seconds=0))
    _, claims = await started(sessions, TOKENS, TOKEN)
    for _ in range(59):
        clock.advance(timedelta(seconds=1))
        assert await sessions.live(claims) is not None
    assert store.touches == 0 and store.finds == 59  # no memory: one lookup per request
    clock.advance(timedelta(seconds=1))
    await sessions.live(claims)
    assert store.touches == 1
    (record,) = store.rows.values()
    assert record.last_seen_at == clock.now()


async def test_a_short_idle_timeout_is_tracked_more_finely() -> None:
    assert SessionPolicy(idle_seconds=120).touch_interval == timedelta(seconds=30)
    assert SessionPolicy(idle_seconds=3600).touch_interval == timedelta(minutes=1)


async def test_a_process_remembers_a_live_session_for_a_few_seconds() -> None:
    sessions, store, clock = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    await sessions.live(claims)
    for _ in range(4):
        clock.advance(timedelta(seconds=1))
        assert await sessions.live(claims) is not None
    assert store.finds == 1
    clock.advance(timedelta(seconds=1))
    await sessions.live(claims)
    assert store.finds == 2


async def test_a_revocation_is_seen_at_once_here_and_within_the_memory_elsewhere() -> None:
    here, store, clock = at_start()
    elsewhere = Sessions(store, clock, POLICY)  # another service's process, the same table
    _, claims = await started(here, TOKENS, TOKEN)
    assert await here.live(claims) is not None and await elsewhere.live(claims) is not None
    (record,) = store.rows.values()
    assert await here.revoke(record.id, by="admin") is True
    assert await here.live(claims) is None
    assert await elsewhere.live(claims) is not None  # remembered: the trade-off of the memory
    clock.advance(timedelta(seconds=POLICY.cache_seconds))
    assert await elsewhere.live(claims) is None
    assert await here.revoke(record.id, by="admin") is False  # not live any more
    (ended,) = store.rows.values()
    assert (ended.revoked_reason, ended.revoked_by, ended.revoked_at) == (Ending.REVOKED, "admin", START)


async def test_idle_by_one_process_memory_is_asked_of_the_database() -> None:
    # a memory longer than the idle timeout (not allowed by the settings) makes the case plain
    here, store, clock = at_start(SessionPolicy(idle_seconds=60, cache_seconds=120))
    elsewhere = Sessions(store, clock, here.policy)
    _, claims = await started(here, TOKENS, TOKEN)
    await here.live(claims)
    clock.advance(timedelta(seconds=50))
    assert await elsewhere.live(claims) is not None  # used on another service: touched there
    clock.advance(timedelta(seconds=20))
    assert await here.live(claims) is not None  # its memory says idle; the table says not


async def test_sign_out_and_revoking_a_person_end_their_sessions() -> None:
    sessions, store, _ = at_start()
    _, first = await started(sessions, TOKENS, TOKEN)
    _, second = await started(sessions, TOKENS, TOKEN)
    _, third = await started(sessions, TOKENS, TOKEN)
    await sessions.sign_out(first, "op")
    assert await sessions.live(first) is None and await sessions.live(second) is not None
    assert await sessions.revoke_subject("op", by="admin") == 2
    assert await sessions.live(second) is None and await sessions.live(third) is None
    reasons = sorted(str(r.revoked_reason) for r in store.rows.values())
    assert reasons == ["revoked", "revoked", "signed_out"]


async def test_the_pruning_forgets_sessions_long_expired_by_the_clock() -> None:
    sessions, store, clock = at_start()
    await started(sessions, TOKENS, TOKEN)
    clock.advance(timedelta(days=30, hours=8, seconds=1))
    await started(sessions, TOKENS, TOKEN)
    assert len(store.rows) == 2  # signing in forgets nothing: the analytics service's timer does
    assert await prune_sessions(sessions) == 1
    assert len(store.rows) == 1


@pytest.mark.parametrize(
    ("header", "summary"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36",
            "Chrome 131 on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari 17 on iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox 128 on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Edge 131 on Windows",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("tool\x00\x1b[31m", "tool[31m"),
        ("x" * 500, "x" * 120),
        (None, ""),
    ],
)
def test_the_user_agent_is_kept_as_a_short_summary(header: str | None, summary: str) -> None:
    assert user_agent_summary(header) == summary


async def test_a_session_opens_only_with_the_claims_of_its_own_token_entry() -> None:
    sessions, _, _ = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    assert await sessions.live(replace(claims, token_id="0" * 32)) is None


async def test_a_page_refreshing_itself_does_not_keep_its_session_from_going_idle() -> None:
    sessions, _, clock = at_start()
    _, claims = await started(sessions, TOKENS, TOKEN)
    for _ in range(5):
        clock.advance(timedelta(minutes=5))
        assert await sessions.live(claims, used=False) is not None  # checked, not counted as use
    clock.advance(timedelta(minutes=5))
    assert await sessions.live(claims, used=False) is None
