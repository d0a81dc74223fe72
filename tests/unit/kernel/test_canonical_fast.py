"""The relay's fast encoder gives exactly the canonical bytes, whatever the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.events import canonical_json
from shared.events.canonical import canonical_envelope_json, canonical_json_fast
from shared.events.envelope import Actor, RecordedEvent, Role

pytestmark = pytest.mark.unit

scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: the fallback's job
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(json_values)
def test_any_json_value_encodes_to_the_canonical_bytes(value: Any) -> None:
    assert canonical_json_fast(value) == canonical_json(value)


@settings(max_examples=300)
@given(json_values)
def test_an_envelope_encodes_to_the_canonical_bytes_whatever_its_payload(payload: Any) -> None:
    envelope = {
        "event_id": "0a1b2c3e-4e5f-6e7a-8e9b-0c1d2e3f4a5e",
        "global_position": 2**62,
        "actor": {"role": Role.AGENT, "id": "agent-1", "department": None},
        "hash": b"\x00\xff",
        "payload": payload,
    }
    assert canonical_envelope_json(envelope) == canonical_json(envelope)


@pytest.mark.parametrize(
    "value",
    [
        1e-5,
        -4.849251122277342e-05,
        1e-7,
        5e-324,
        1e16,
        1e22,
        0.0001,
        -0.0,
        2**64,
        -(2**63) - 1,
        "e-mail 0.00001",
        '\x00\x1f\x7f\u2028😀 洗衣机 "\\/',
        {"é": 1, "z": 2, "A": 3, "洗": 4, "😀": 5, "\uffff": 6, "": 7},
    ],
)
def test_the_cases_where_orjson_writes_otherwise_still_give_the_canonical_bytes(value: Any) -> None:
    assert canonical_json_fast({"v": value}) == canonical_json({"v": value})


def test_types_only_the_canonical_default_knows_take_its_form() -> None:
    value = {
        "at": datetime(2026, 1, 5, 9, 0, 0, 123, tzinfo=timezone(timedelta(hours=8))),
        "utc": datetime(2026, 1, 5, 1, tzinfo=UTC),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "amount": Decimal("12.50"),
        "hash": b"\x00\xff",
        "role": Role.AGENT,
    }
    assert canonical_json_fast(value) == canonical_json(value)


def test_what_has_no_canonical_form_is_refused_as_before() -> None:
    with pytest.raises(TypeError):
        canonical_json_fast({"x": object()})
    with pytest.raises(ValueError):
        canonical_json_fast({"x": datetime(2026, 1, 5)})  # naive


def test_ids_and_hashes_do_not_force_the_slow_path() -> None:
    import orjson

    from shared.events.canonical import _ORJSON_MAY_DIFFER

    envelope = {
        "event_id": "0a1b2c3e-4e5f-6e7a-8e9b-0c1d2e3f4a5e",
        "hash": "3e-" * 10,
        "occurred_at": "2026-01-05T01:00:00.000000Z",
        "payload": {"defect_rate": 0.35, "fraction": 0.8},
    }
    assert _ORJSON_MAY_DIFFER.search(orjson.dumps(envelope, option=orjson.OPT_SORT_KEYS)) is None


@settings(max_examples=100)
@given(json_values)
def test_the_wire_form_is_the_canonical_json_of_the_model(payload: Any) -> None:
    event = RecordedEvent(
        event_id=UUID("0a1b2c3e-4e5f-6e7a-8e9b-0c1d2e3f4a5e"),
        stream_id="TS-20260105-000001",
        stream_version=3,
        global_position=42,
        tx_id=7,
        type="Anything",
        schema_version=1,
        occurred_at=datetime(2026, 1, 5, 9, tzinfo=timezone(timedelta(hours=8))),
        recorded_at=datetime(2026, 1, 5, 1, 0, 1, 5, tzinfo=UTC),
        actor=Actor(role=Role.AGENT, id="agent-1", department="quality"),
        correlation_id=UUID("12345678-1234-5678-1234-567812345678"),
        trace={"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
        payload={"data": payload},
        prev_hash="00" * 32,
        hash="ff" * 32,
    )
    assert event.to_wire() == canonical_json(event.model_dump(mode="python"))
