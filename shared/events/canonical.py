"""The one canonical JSON form, used for hashing and on Kafka.

Sorted keys, no insignificant whitespace, UTF-8, timestamps as UTC ISO-8601 with
microseconds and a trailing ``Z``. The same bytes must come out whether the data
came from a pydantic model or back from the database, so the hash chain verifies.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID


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


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def chain_hash(previous: bytes | None, content_hash: bytes) -> bytes:
    """The link: SHA-256 over the previous event's hash followed by this event's content hash."""
    return hashlib.sha256((previous or b"") + content_hash).digest()
