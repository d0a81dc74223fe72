"""Building events from the store's rows without validation: the same events as validation builds, and the
garbage collector, paused for a large page, always comes back as it was."""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.events import RecordedEvent
from shared.eventstore import postgres
from shared.eventstore.postgres import events_from_rows, fast_row_to_event

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
AGENT = {"id": "agent-1", "role": "agent", "department": "quality"}
SERVICE = {"id": "intake", "role": "service", "department": None}


def row(n: int, *, trace: str = "{}", payload: str | None = None) -> tuple[Any, ...]:
    """A row of FAST_COLUMNS as the driver returns it."""
    return (
        n,  # global_position
        1000 + n // 3,  # tx_id
        f"TS-{n % 4}",  # stream_id
        n // 4 + 1,  # stream_version
        uuid.uuid4().bytes,  # event_id, as uuid_send gives it
        "SomethingHappened",
        1,  # schema_version
        T0 + timedelta(minutes=n),
        T0 + timedelta(minutes=n, microseconds=7),
        json.dumps(AGENT if n % 2 else SERVICE),  # actor
        uuid.uuid4().bytes,  # correlation_id
        uuid.uuid4().bytes if n % 3 else None,  # causation_id
        trace,
        payload if payload is not None else json.dumps({"n": n, "big": 2**70, "text": "投诉 ✓", "xs": [1.5]}),
        None if n % 4 == 0 else "ab" * 32,  # prev_hash, hex
        "cd" * 32,  # hash, hex
    )


def validated(values: tuple[Any, ...]) -> RecordedEvent:
    """What pydantic builds from the same row, every field validated."""
    names = [
        "global_position", "tx_id", "stream_id", "stream_version", "event_id", "type", "schema_version",
        "occurred_at", "recorded_at", "actor", "correlation_id", "causation_id", "trace", "payload",
        "prev_hash", "hash",
    ]  # fmt: skip
    data = dict(zip(names, values, strict=True))
    for name in ("actor", "trace", "payload"):
        data[name] = json.loads(data[name])
    for name in ("event_id", "correlation_id", "causation_id"):
        data[name] = None if data[name] is None else uuid.UUID(bytes=data[name])
    return RecordedEvent.model_validate(data)


@pytest.fixture
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_rows_become_the_validated_events() -> None:
    rows = [row(n, trace='{"traceparent": "00-ab-cd-01"}' if n % 5 == 0 else "{}") for n in range(300)]
    events = events_from_rows(rows)
    assert events == [validated(r) for r in rows]
    for event in events:
        assert event.model_fields_set == set(RecordedEvent.model_fields)
        assert isinstance(event.event_id, uuid.UUID) and isinstance(event.correlation_id, uuid.UUID)
        assert type(event.payload["big"]) is int
    assert events[1].trace is not events[2].trace  # each event its own trace dict
    assert events[0].trace is not events[5].trace


def test_a_large_page_is_built_with_the_collector_paused_and_it_comes_back(
    collector_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []

    def spy(values: Any) -> RecordedEvent:
        seen.append(gc.isenabled())
        return fast_row_to_event(values)

    monkeypatch.setattr(postgres, "fast_row_to_event", spy)
    gc.enable()
    events_from_rows([row(n) for n in range(500)])
    assert seen and not any(seen)
    assert gc.isenabled()

    seen.clear()
    events_from_rows([row(n) for n in range(5)])  # a small page: not worth pausing
    assert all(seen)
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(collector_restored: None) -> None:
    gc.disable()
    events_from_rows([row(n) for n in range(500)])
    assert not gc.isenabled()


def test_the_collector_comes_back_when_a_row_fails(collector_restored: None) -> None:
    gc.enable()
    rows = [row(n) for n in range(500)] + [row(500, payload="{not json")]
    with pytest.raises(ValueError):
        events_from_rows(rows)
    assert gc.isenabled()


@pytest.mark.parametrize(
    "payload",
    [
        '{"deep": ' + "[" * 300 + "]" * 300 + "}",  # past the fast parser's depth: json.loads reads it
        '{"n": 123456789012345678901234567890, "x": 0.0000001, "y": 1000000000000000000000.0}',
    ],
)
def test_the_inlined_payload_parse_is_loads_stored_json(payload: str) -> None:
    from shared.eventstore.postgres import loads_stored_json
    from tests.unit.kernel.test_stored_json_decoding import same

    assert same(fast_row_to_event(row(1, payload=payload)).payload, loads_stored_json(payload))
    assert same(loads_stored_json(payload), json.loads(payload))
