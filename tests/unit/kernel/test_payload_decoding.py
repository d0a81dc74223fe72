"""Stored payloads decode (through orjson) to exactly what json.loads gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eventstore.postgres import _payload_loads

pytestmark = pytest.mark.unit

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500)
@given(json_values)
def test_any_payload_decodes_as_json_loads_would(value: Any) -> None:
    for text_ in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        decoded = _payload_loads(text_)
        assert decoded == json.loads(text_)
        assert json.dumps(decoded) == json.dumps(json.loads(text_))  # same types (int vs float) too


@pytest.mark.parametrize("text_", ['{"n": 123456789012345678901234567890}', '{"n": -9223372036854775809}'])
def test_integers_beyond_64_bits_stay_integers(text_: str) -> None:
    assert _payload_loads(text_) == json.loads(text_)
    assert isinstance(_payload_loads(text_)["n"], int)
