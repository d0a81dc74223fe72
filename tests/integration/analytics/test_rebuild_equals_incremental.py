"""Rebuilding from zero by replaying the store gives exactly the tables the Kafka path built.

Twenty-four complaints live random lives (decided by the domain, appended in a random
interleaving, projected through the relay, Kafka and the consumer); then the read models are
rebuilt from the store — completely, after an interruption, and while new events keep coming.
"""

from __future__ import annotations

import random

import pytest
import pytest_asyncio
from sqlalchemy import text

from services.analytics.rebuild import CHECKPOINT, RebuildReport, rebuild
from shared.complaints import Status
from tests.builders import T0, random_history
from tests.integration.analytics.conftest import (
    Analytics,
    History,
    history_to,
    new_number,
    put_interleaved,
    snapshot,
)
from tests.support.horizon import settled

pytestmark = pytest.mark.integration

COMPLAINTS = 24


class Interrupted(Exception):
    pass


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def versions(analytics: Analytics) -> dict[str, int]:
    rng = random.Random(20260105)
    prefix = new_number()
    histories = {
        f"{prefix}-{i:02d}": random_history(rng, f"{prefix}-{i:02d}", start=T0) for i in range(COMPLAINTS)
    }
    final = await put_interleaved(analytics, histories, rng)
    await analytics.projected(final, within=60)
    return final


async def stored_events(analytics: Analytics) -> int:
    await settled(analytics.store)
    return len(await analytics.store.read_all(limit=1_000_000))


async def checkpoint_exists(analytics: Analytics) -> bool:
    async with analytics.engine.connect() as conn:
        query = text("SELECT 1 FROM follower_checkpoints WHERE name = :n")
        return (await conn.execute(query, {"n": CHECKPOINT})).first() is not None


async def assert_rows_are_the_domains_fold(analytics: Analytics, numbers: list[str]) -> None:
    for no in numbers:
        assert await analytics.row(no) == await analytics.expected_row(no), no
        versions = await analytics.timeline(no, "stream_version")
        assert (
            versions
            == list(range(1, len(versions) + 1))
            == list(range(1, await analytics.store.stream_version(no) + 1))
        )


async def test_the_histories_are_rich(analytics: Analytics, versions: dict[str, int]) -> None:
    async with analytics.engine.connect() as conn:
        statuses = set(
            (await conn.execute(text("SELECT DISTINCT status FROM analytics_complaints"))).scalars()
        )
        types = set((await conn.execute(text("SELECT DISTINCT type FROM analytics_timeline"))).scalars())
    assert len(statuses) >= 5, statuses
    assert {"ComplaintTransferred", "CommandRejected", "SlaBreached", "FeedbackReceived"} <= types, types
    assert sum(versions.values()) >= 150


async def test_a_rebuild_from_zero_equals_the_incremental_tables(
    analytics: Analytics, versions: dict[str, int]
) -> None:
    incremental = await snapshot(analytics.engine)
    assert len(incremental["complaints"]) == COMPLAINTS

    report = await rebuild(analytics.engine, batch=17)

    assert not report.resumed
    assert report.events == await stored_events(analytics)
    assert await snapshot(analytics.engine) == incremental
    assert not await checkpoint_exists(analytics)
    await assert_rows_are_the_domains_fold(analytics, list(versions))


async def test_an_interrupted_rebuild_resumes_where_it_stopped(
    analytics: Analytics, versions: dict[str, int]
) -> None:
    incremental = await snapshot(analytics.engine)
    total = await stored_events(analytics)

    async def crash_after_two(report: RebuildReport) -> None:
        if report.batches == 2:
            raise Interrupted

    with pytest.raises(Interrupted):
        await rebuild(analytics.engine, batch=10, on_batch=crash_after_two)
    assert await checkpoint_exists(analytics)
    assert await snapshot(analytics.engine) != incremental  # only part of the history so far

    resumed = await rebuild(analytics.engine, batch=10)

    assert resumed.resumed and resumed.events == total - 20
    assert await snapshot(analytics.engine) == incremental
    assert not await checkpoint_exists(analytics)


async def test_events_arriving_during_a_rebuild_are_not_lost(
    analytics: Analytics, versions: dict[str, int]
) -> None:
    newcomer = new_number()
    more: dict[str, History] = {newcomer: history_to(Status.CLOSED, newcomer)}
    expected = dict(versions)

    async def meanwhile(report: RebuildReport) -> None:
        if report.batches == 1:  # the consumer now waits for the rebuild's lock
            for no, history in more.items():
                expected[no] = await analytics.put(no, history)

    await rebuild(analytics.engine, batch=25, on_batch=meanwhile)
    await analytics.projected(expected, within=60)

    await assert_rows_are_the_domains_fold(analytics, list(expected))
    settled = await snapshot(analytics.engine)
    again = await rebuild(analytics.engine, batch=1000)
    assert again.events == await stored_events(analytics)
    assert await snapshot(analytics.engine) == settled
