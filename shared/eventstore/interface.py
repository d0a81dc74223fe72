"""The event store contract every implementation satisfies (see tests/integration/eventstore)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.events import START, NewEvent, Position, RecordedEvent

NO_STREAM = 0
"""expected_version for a stream that must not exist yet."""

ANY_VERSION: None = None
"""expected_version when the caller does not care (the store still keeps versions contiguous)."""


@dataclass(frozen=True)
class AppendResult:
    events: list[RecordedEvent]

    @property
    def stream_version(self) -> int:
        """The stream's version after the append: what every write returns to its caller."""
        return self.events[-1].stream_version


@dataclass(frozen=True)
class BrokenLink:
    event_id: str
    stream_id: str
    stream_version: int
    global_position: int
    problem: str

    def __str__(self) -> str:
        return (
            f"event {self.event_id} (stream {self.stream_id} version {self.stream_version}, "
            f"position {self.global_position}): {self.problem}"
        )


@dataclass
class VerifyReport:
    events_checked: int = 0
    streams_checked: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    @property
    def first_broken(self) -> BrokenLink | None:
        """The earliest broken link in the store (lowest global position)."""
        return min(self.broken, key=lambda link: link.global_position) if self.broken else None


class EventStore(Protocol):
    async def append(
        self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]
    ) -> AppendResult:
        """Append atomically. Raises ConcurrencyError when the stream is not at expected_version.

        Re-appending events whose ids are stored with the same content returns the stored ones.
        """
        ...

    async def append_many(
        self, appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]]
    ) -> list[AppendResult]:
        """Append to several streams (each once) atomically, each as ``append`` would: all or none."""
        ...

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]: ...

    async def read_streams(self, stream_ids: Iterable[str]) -> dict[str, list[RecordedEvent]]:
        """Several whole streams; a stream with no events is absent."""
        ...

    async def stream_version(self, stream_id: str) -> int: ...

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        """Committed events after a position, in commit order; a follower never skips one."""
        ...

    def read_all_pages(
        self, after: Position = START, limit: int = 1000
    ) -> AsyncIterator[list[RecordedEvent]]:
        """``read_all``'s pages from ``after`` to the end, in order (replays; may read ahead)."""
        ...

    def read_period(
        self, since: datetime | None = None, until: datetime | None = None, batch: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        """Every event recorded in [since, until), by global position (auditors' replay)."""
        ...

    async def verify(self, stream_id: str | None = None) -> VerifyReport: ...
