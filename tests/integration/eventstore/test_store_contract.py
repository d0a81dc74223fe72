"""The event store contract, run against every implementation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.clock import FakeClock
from shared.events import START
from shared.eventstore import ANY_VERSION, NO_STREAM, ConcurrencyError, EmptyAppend, EventIdConflict
from tests.integration.eventstore.conftest import StoreUnderTest
from tests.support.horizon import settled
from tests.support.store_events import new_stream_id, some, something

pytestmark = pytest.mark.integration


async def test_append_to_a_new_stream_numbers_versions_from_one(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    result = await under_test.store.append(stream, NO_STREAM, some(3))
    assert [e.stream_version for e in result.events] == [1, 2, 3]
    assert result.stream_version == 3
    positions = [e.global_position for e in result.events]
    assert positions == sorted(positions)
    assert await under_test.store.stream_version(stream) == 3


async def test_read_stream_from_a_version(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    appended = (await under_test.store.append(stream, NO_STREAM, some(4))).events
    read = await under_test.store.read_stream(stream, from_version=3)
    assert [e.event_id for e in read] == [e.event_id for e in appended[2:]]
    assert read[0].payload == appended[2].payload
    assert await under_test.store.read_stream(new_stream_id()) == []


async def test_wrong_expected_version_names_stream_and_both_versions(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    await under_test.store.append(stream, NO_STREAM, some(2))
    with pytest.raises(ConcurrencyError) as raised:
        await under_test.store.append(stream, 1, [something(9)])
    assert raised.value.stream_id == stream
    assert raised.value.expected == 1
    assert raised.value.actual == 2
    assert stream in str(raised.value) and "1" in str(raised.value) and "2" in str(raised.value)
    with pytest.raises(ConcurrencyError):
        await under_test.store.append(stream, NO_STREAM, [something(9)])
    assert await under_test.store.stream_version(stream) == 2


async def test_any_version_appends_at_the_end(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    await under_test.store.append(stream, ANY_VERSION, some(1))
    result = await under_test.store.append(stream, ANY_VERSION, some(2))
    assert result.stream_version == 3


async def test_reappending_the_same_events_is_a_no_op_returning_stored_positions(
    under_test: StoreUnderTest,
) -> None:
    stream = new_stream_id()
    events = some(2)
    first = await under_test.store.append(stream, NO_STREAM, events)
    again = await under_test.store.append(stream, NO_STREAM, events)
    assert [e.global_position for e in again.events] == [e.global_position for e in first.events]
    assert [e.stream_version for e in again.events] == [1, 2]
    assert await under_test.store.stream_version(stream) == 2


async def test_same_event_id_with_different_content_is_refused(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    original = something(1)
    await under_test.store.append(stream, NO_STREAM, [original])
    forged = original.model_copy(update={"payload": {**original.payload, "n": 2}})
    with pytest.raises(EventIdConflict) as raised:
        await under_test.store.append(stream, ANY_VERSION, [forged])
    assert str(original.event_id) in str(raised.value)


async def test_empty_append_is_an_error(under_test: StoreUnderTest) -> None:
    with pytest.raises(EmptyAppend):
        await under_test.store.append(new_stream_id(), NO_STREAM, [])


async def test_read_all_in_batches_after_a_position(under_test: StoreUnderTest) -> None:
    streams = [new_stream_id() for _ in range(3)]
    for stream in streams:
        await under_test.store.append(stream, NO_STREAM, some(3))
    await settled(under_test.store)
    seen = []
    position = START
    while batch := await under_test.store.read_all(position, limit=4):
        seen.extend(batch)
        position = batch[-1].position
    mine = [e for e in seen if e.stream_id in streams]
    assert len(mine) == 9
    assert len({e.event_id for e in seen}) == len(seen)
    for stream in streams:
        assert [e.stream_version for e in mine if e.stream_id == stream] == [1, 2, 3]


async def test_read_period_filters_by_recorded_time(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    result = await under_test.store.append(stream, NO_STREAM, some(2))
    recorded = result.events[0].recorded_at
    inside = [
        e
        async for e in under_test.store.read_period(
            recorded - timedelta(seconds=5), recorded + timedelta(seconds=5)
        )
    ]
    assert {e.event_id for e in result.events} <= {e.event_id for e in inside}
    later = [e async for e in under_test.store.read_period(recorded + timedelta(hours=1))]
    assert not {e.event_id for e in result.events} & {e.event_id for e in later}


async def test_the_hash_chain_links_each_event_to_the_previous(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    events = (await under_test.store.append(stream, NO_STREAM, some(3, FakeClock()))).events
    assert events[0].prev_hash is None
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = await under_test.store.verify(stream)
    assert report.ok and report.events_checked == 3


async def test_verify_names_the_event_altered_behind_the_stores_back(under_test: StoreUnderTest) -> None:
    stream = new_stream_id()
    events = (await under_test.store.append(stream, NO_STREAM, some(4))).events
    await under_test.store.append(new_stream_id(), NO_STREAM, some(2))
    await under_test.tamper(events[2], {**events[2].payload, "n": 999})

    whole = await under_test.store.verify()
    assert not whole.ok
    assert whole.first_broken is not None
    assert whole.first_broken.event_id == str(events[2].event_id)
    assert whole.first_broken.stream_version == 3
    one = await under_test.store.verify(stream)
    assert one.first_broken is not None and one.first_broken.event_id == str(events[2].event_id)


async def test_append_many_appends_each_stream_as_append_would(under_test: StoreUnderTest) -> None:
    first, second = new_stream_id(), new_stream_id()
    await under_test.store.append(second, NO_STREAM, some(2))
    results = await under_test.store.append_many([(first, NO_STREAM, some(2)), (second, 2, some(1))])
    assert [[e.stream_version for e in r.events] for r in results] == [[1, 2], [3]]
    assert [e.stream_id for r in results for e in r.events] == [first, first, second]
    read = await under_test.store.read_streams([second, first, new_stream_id()])
    assert sorted(read) == sorted([first, second])
    assert [e.event_id for e in read[first]] == [e.event_id for e in results[0].events]
    assert [e.stream_version for e in read[second]] == [1, 2, 3]
    assert read[second][2].hash == results[1].events[0].hash
    assert read[second][2].prev_hash == read[second][1].hash  # the chain goes on across the call


async def test_append_many_is_all_or_nothing(under_test: StoreUnderTest) -> None:
    fine, moved = new_stream_id(), new_stream_id()
    await under_test.store.append(moved, NO_STREAM, some(2))
    with pytest.raises(ConcurrencyError) as raised:
        await under_test.store.append_many([(fine, NO_STREAM, some(1)), (moved, 1, some(1))])
    assert (raised.value.stream_id, raised.value.expected, raised.value.actual) == (moved, 1, 2)
    assert await under_test.store.stream_version(fine) == 0
    assert await under_test.store.stream_version(moved) == 2


async def test_read_all_pages_are_read_alls_pages(under_test: StoreUnderTest) -> None:
    """The replay reader (which reads the next page ahead) gives what read_all gives, page by page."""
    for _ in range(3):
        await under_test.store.append(new_stream_id(), NO_STREAM, some(3))
    await settled(under_test.store)
    expected = []
    position = START
    while batch := await under_test.store.read_all(position, limit=4):
        expected.append([e.event_id for e in batch])
        position = batch[-1].position
    pages = [[e.event_id for e in page] async for page in under_test.store.read_all_pages(START, 4)]
    assert pages == expected
    stopped = []
    async for page in under_test.store.read_all_pages(START, 4):  # a caller that stops early
        stopped.append(page)
        break
    assert [e.event_id for e in stopped[0]] == expected[0]
