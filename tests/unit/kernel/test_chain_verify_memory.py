"""The in-memory store keeps the same hash chain, and verification names the first broken link."""

from __future__ import annotations

import pytest

from shared.events import chain_hash
from shared.eventstore import NO_STREAM, InMemoryEventStore
from shared.eventstore.chain import verify_stream
from tests.support.store_events import some

pytestmark = pytest.mark.unit


async def test_an_untouched_store_verifies() -> None:
    store = InMemoryEventStore()
    await store.append("TS-A", NO_STREAM, some(3))
    await store.append("TS-B", NO_STREAM, some(2))
    await store.append("TS-A", 3, some(1))
    report = await store.verify()
    assert report.ok
    assert (report.events_checked, report.streams_checked) == (6, 2)
    assert report.first_broken is None


async def test_each_link_names_its_predecessor() -> None:
    store = InMemoryEventStore()
    first, second = (await store.append("TS-A", NO_STREAM, some(2))).events
    [third] = (await store.append("TS-A", 2, some(1))).events
    assert first.prev_hash is None
    assert first.hash == chain_hash(None, first.content_hash()).hex()
    assert second.prev_hash == first.hash
    assert second.hash == chain_hash(bytes.fromhex(first.hash), second.content_hash()).hex()
    assert third.prev_hash == second.hash


async def test_a_tampered_event_is_named_and_other_streams_still_verify() -> None:
    store = InMemoryEventStore()
    await store.append("TS-A", NO_STREAM, some(3))
    victim = (await store.append("TS-B", NO_STREAM, some(3))).events[1]
    store.tamper(victim.global_position, {**victim.payload, "n": 1000})

    report = await store.verify()
    assert not report.ok
    assert report.events_checked == 6
    [broken] = report.broken
    assert broken == report.first_broken
    assert (broken.event_id, broken.stream_id, broken.stream_version) == (str(victim.event_id), "TS-B", 2)
    assert broken.global_position == victim.global_position
    assert "altered" in broken.problem
    assert str(victim.event_id) in str(broken)
    assert (await store.verify("TS-A")).ok
    assert not (await store.verify("TS-B")).ok


async def test_the_earliest_broken_link_comes_first() -> None:
    store = InMemoryEventStore()
    early = (await store.append("TS-Z", NO_STREAM, some(2))).events[0]
    late = (await store.append("TS-A", NO_STREAM, some(2))).events[1]
    store.tamper(late.global_position, {"n": 0})
    store.tamper(early.global_position, {"n": 0})
    report = await store.verify()
    assert len(report.broken) == 2
    assert report.first_broken is not None
    assert report.first_broken.event_id == str(early.event_id)


async def test_a_forger_who_recomputes_the_chain_is_still_caught_by_the_content_hash() -> None:
    store = InMemoryEventStore()
    events = (await store.append("TS-A", NO_STREAM, some(2))).events
    forged = events[0].model_copy(update={"payload": {**events[0].payload, "n": 1000}})
    forged = forged.model_copy(update={"hash": chain_hash(None, forged.content_hash()).hex()})
    second = events[1].model_copy(
        update={
            "prev_hash": forged.hash,
            "hash": chain_hash(bytes.fromhex(forged.hash), events[1].content_hash()).hex(),
        }
    )
    assert verify_stream([forged, second]) is None  # a self-consistent chain on its own...
    store._events[:2] = [forged, second]
    store._streams["TS-A"][:] = [forged, second]
    [broken] = (await store.verify()).broken  # ...but not the content the store recorded
    assert broken.stream_version == 1
    assert "recorded content hash" in broken.problem


async def test_gaps_reordering_and_relinking_are_named() -> None:
    store = InMemoryEventStore()
    first, second, third = (await store.append("TS-A", NO_STREAM, some(3))).events
    gap = verify_stream([first, third])
    assert gap is not None and gap.problem == "version 3 where 2 was expected"
    swapped = verify_stream([second, first])
    assert swapped is not None and swapped.stream_version == 2
    relinked = verify_stream([first, second.model_copy(update={"prev_hash": "00" * 32}), third])
    assert relinked is not None and relinked.problem == "prev_hash does not match the previous event's hash"
    rehashed = verify_stream([first, second, third.model_copy(update={"hash": "11" * 32})])
    assert rehashed is not None and "sha256(prev_hash || content)" in rehashed.problem
    assert verify_stream([]) is None
    assert verify_stream([first, second, third]) is None
