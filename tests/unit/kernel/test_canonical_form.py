"""The one canonical JSON form: what is hashed and what travels on Kafka."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.events import canonical_json, chain_hash, sha256
from shared.events.canonical import format_timestamp

pytestmark = pytest.mark.unit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_keys_are_sorted_at_every_level_without_whitespace() -> None:
    data = {"b": 1, "a": [3, {"z": None, "y": True}], "c": {"β": 1.5, "a": "x"}}
    assert canonical_json(data) == '{"a":[3,{"y":true,"z":null}],"b":1,"c":{"a":"x","β":1.5}}'.encode()


def test_insertion_order_does_not_matter() -> None:
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


def test_non_ascii_is_kept_as_utf8() -> None:
    encoded = canonical_json({"text": "投诉 complaint ✓"})
    assert encoded == '{"text":"投诉 complaint ✓"}'.encode()
    assert b"\\u" not in encoded


def test_timestamps_are_utc_with_microseconds_and_z() -> None:
    assert canonical_json(datetime(2026, 1, 5, 1, 0, tzinfo=UTC)) == b'"2026-01-05T01:00:00.000000Z"'
    local = datetime(2026, 1, 5, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    assert canonical_json({"at": local}) == b'{"at":"2026-01-05T01:30:15.123456Z"}'


def test_the_same_instant_in_any_zone_is_the_same_text() -> None:
    instant = datetime(2026, 3, 1, 12, 0, 0, 1, tzinfo=UTC)
    zones = [SHANGHAI, timezone(timedelta(hours=-7, minutes=-30)), UTC]
    assert {format_timestamp(instant.astimezone(zone)) for zone in zones} == {"2026-03-01T12:00:00.000001Z"}


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        canonical_json({"at": datetime(2026, 1, 5, 1, 0)})
    with pytest.raises(ValueError, match="naive"):
        format_timestamp(datetime(2026, 1, 5, 1, 0))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(value: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"ratio": value})


def test_uuids_decimals_and_bytes_have_a_text_form() -> None:
    data = {
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "amount": Decimal("10.50"),
        "raw": b"\x00\xff",
    }
    assert (
        canonical_json(data) == b'{"amount":"10.50","id":"12345678-1234-5678-1234-567812345678","raw":"00ff"}'
    )


def test_other_types_are_refused() -> None:
    with pytest.raises(TypeError, match="set has no canonical JSON form"):
        canonical_json({"tags": {"a"}})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_parsing_and_reencoding_gives_the_same_bytes(value: Any) -> None:
    encoded = canonical_json(value)
    assert canonical_json(json.loads(encoded)) == encoded  # what comes back from jsonb hashes the same


@given(st.dictionaries(st.text(max_size=6), st.integers(), min_size=1, max_size=8))
def test_any_key_order_gives_the_same_bytes(value: dict[str, int]) -> None:
    assert canonical_json(dict(reversed(list(value.items())))) == canonical_json(value)


def test_hashes() -> None:
    content = sha256(b"content")
    assert content == hashlib.sha256(b"content").digest()
    assert chain_hash(None, content) == hashlib.sha256(content).digest()  # the first link
    previous = sha256(b"previous")
    assert chain_hash(previous, content) == hashlib.sha256(previous + content).digest()
    assert chain_hash(previous, content) != chain_hash(None, content)
