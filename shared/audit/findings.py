"""What an audit found, one human line each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    ALTERED = "altered"
    REWRITTEN = "rewritten"
    DELETED = "deleted"
    INSERTED = "inserted"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    DIFFERS = "differs"
    """The store differs before the range whose events the checkpoints list (no names possible)."""
    FORGED = "forged"
    CHAIN = "checkpoint-chain"


@dataclass(frozen=True)
class Finding:
    kind: Kind
    message: str

    def line(self) -> str:
        return f"{self.kind.value.upper()}: {self.message}"
