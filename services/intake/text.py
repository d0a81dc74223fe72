"""Text PostgreSQL can store: a NUL character (or a lone surrogate, which is not UTF-8) is refused
up front as a 422 naming the field (a ``text`` column and JSONB cannot hold it, so it would
otherwise fail deep inside as a 500). Over HTTP every service's request guard refuses it first
(shared/service/guard.py); this check covers what arrives on Kafka and by email."""

from __future__ import annotations

from typing import Any

from shared.service.guard import unstorable


def nul_free(data: Any) -> Any:
    """A ``mode="before"`` model validator: raises ValueError naming the first field with a NUL."""
    where = _find_nul(data, "")
    if where is not None:
        raise ValueError(
            f"{where or 'the value'} contains a NUL character (\\u0000) or a lone surrogate, "
            "which is not allowed"
        )
    return data


def _find_nul(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and unstorable(key):
                return f"{path}.{key!r}".lstrip(".")
            found = _find_nul(item, f"{path}.{key}".lstrip("."))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _find_nul(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
