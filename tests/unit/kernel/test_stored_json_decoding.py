"""Stored payloads are parsed by pydantic-core (faster): exactly what ``json.loads`` gives.

Same values *and* types (an integer stays an int however big, ``1.50`` is the float 1.5, -0.0
keeps its sign), for JSON as ``json.dumps`` writes it and as PostgreSQL prints jsonb (numbers in
plain decimal, never with an exponent: ``1e300`` comes back as 301 digits); what the fast parser
refuses goes to ``json.loads``, so its errors are the same too.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.eventstore.postgres import loads_stored_json

pytestmark = pytest.mark.unit


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, floats to the bit (the sign of zero, NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex() or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


numbers = (
    st.integers()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
)
scalars = st.none() | st.booleans() | numbers | st.text() | st.text(st.characters(max_codepoint=0x7F))
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)


def jsonb_text(value: Any) -> str:
    """JSON as PostgreSQL prints a jsonb value: ", " and ": ", numbers in plain decimal."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text if "." in text or "e" in repr(value) else text + ".0"
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(v) for v in value) + "]"
    items = (f"{json.dumps(k, ensure_ascii=False)}: {jsonb_text(v)}" for k, v in value.items())
    return "{" + ", ".join(items) + "}"


@settings(max_examples=700)
@given(json_values)
def test_json_as_json_dumps_writes_it(value: Any) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False), json.dumps(value, indent=1)):
        assert same(loads_stored_json(text), json.loads(text))


@settings(max_examples=700)
@given(json_values)
def test_json_as_postgresql_prints_jsonb(value: Any) -> None:
    text = jsonb_text(value)
    assert same(loads_stored_json(text), json.loads(text))


@settings(max_examples=300)
@given(st.text(st.sampled_from("0123456789"), min_size=1, max_size=400), st.integers(0, 30), st.booleans())
def test_long_decimal_numbers(digits: str, point: int, negative: bool) -> None:
    """Integers past 64 bits and decimals with many digits (jsonb never uses an exponent)."""
    digits = digits.lstrip("0") or "0"
    text = ("-" if negative else "") + (digits if point == 0 else f"{digits}.{'0' * point}1")
    assert same(loads_stored_json(f'{{"n": {text}}}'), json.loads(f'{{"n": {text}}}'))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": -0.0, "b": 0.0000001, "c": 1.50, "d": 1E2, "e": 5e-324, "f": 1e400}',
        "1" + "0" * 308,
        "1" + "0" * 309,
        "[" + "0." + "0" * 330 + "1]",
        '{"s": "\\u0001\\u00e9\\"\\\\\\n", "t": "投诉 ✓", "u": "\\ud83d\\ude00"}',
        "NaN",
        "[Infinity, -Infinity]",
        '{"a": 1, "a": 2}',
        "[" * 300 + "]" * 300,  # deeper than the fast parser goes: json.loads reads it
    ],
)
def test_edge_cases(text: str) -> None:
    assert same(loads_stored_json(text), json.loads(text))


@pytest.mark.parametrize("text", ["1" * 4400, "[" * 5000 + "]" * 5000, '{"a": }', '"\\ud800"x'])
def test_what_json_loads_refuses_is_refused_the_same_way(text: str) -> None:
    with pytest.raises((ValueError, RecursionError)) as expected:
        json.loads(text)
    with pytest.raises(type(expected.value)):
        loads_stored_json(text)
