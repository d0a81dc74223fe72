"""The one canonical JSON form, used for hashing and on Kafka.

Sorted keys, no insignificant whitespace, UTF-8, timestamps as UTC ISO-8601 with
microseconds and a trailing ``Z``. The same bytes must come out whether the data
came from a pydantic model or back from the database, so the hash chain verifies.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson


def format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} cannot be made canonical")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default, allow_nan=False
    ).encode("utf-8")


_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_ORJSON_MAY_DIFFER = re.compile(rb"[:,\[]-?(?:\d+(?:\.\d+)?e-|0\.0000)")
"""A number where orjson's output may differ from ``json.dumps``: a float below 1e-4 in magnitude
(orjson writes ``1e-7`` and ``0.00001``, Python ``1e-07`` and ``1e-05``). Every other float, string
escape, key order and integer was checked to give the same bytes. Anchored on what precedes a
number inside a list or object (``:``, ``,``, ``[``) so that ids and hashes in strings do not
match; a string that happens to contain ``,1e-`` only costs the slow path."""


def canonical_json_fast(data: Any) -> bytes:
    """The same bytes as :func:`canonical_json`, encoded in C by orjson (the relay encodes every
    event it publishes). Falls back to :func:`canonical_json` for whatever orjson may write
    differently: small floats (see above), integers beyond 64 bits, types only ``_default`` knows.
    NaN and infinities are the one difference (orjson writes null where canonical_json raises):
    neither PostgreSQL's jsonb nor pydantic's JSON mode can hold one. Not used for hashing."""
    if isinstance(data, float):
        return canonical_json(data)  # a bare number: nothing before it for the check to anchor on
    try:
        encoded = orjson.dumps(data, default=_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: e.g. an int beyond 64 bits
        return canonical_json(data)
    # two substring searches rule out nearly every event before the (slower) regular expression
    if (b"e-" in encoded or b"0.0000" in encoded) and _ORJSON_MAY_DIFFER.search(encoded):
        return canonical_json(data)
    return encoded


def canonical_envelope_json(envelope: dict[str, Any]) -> bytes:
    """``canonical_json(envelope)`` for an event envelope whose own fields hold no float (ids and
    timestamps already text, 64-bit integers, hashes): only ``envelope["payload"]`` can hold what
    orjson writes otherwise, so only the payload's bytes are checked, and then embedded as is."""
    payload = envelope["payload"]
    try:
        return orjson.dumps(
            {**envelope, "payload": orjson.Fragment(canonical_json_fast(payload))},
            default=_default,
            option=_ORJSON_OPTIONS,
        )
    except TypeError:
        return canonical_json(envelope)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def chain_hash(previous: bytes | None, content_hash: bytes) -> bytes:
    """The link: SHA-256 over the previous event's hash followed by this event's content hash."""
    return hashlib.sha256((previous or b"") + content_hash).digest()
