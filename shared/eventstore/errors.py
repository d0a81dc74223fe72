"""What can go wrong when appending, named so callers can react precisely."""

from __future__ import annotations

from uuid import UUID


class EventStoreError(Exception):
    """Base of every event store error."""


class ConcurrencyError(EventStoreError):
    """The stream moved on since the caller read it."""

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(f"stream {stream_id!r}: expected version {expected}, but it is at version {actual}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class StaleTransaction(ConcurrencyError):
    """The stream's last event was written by a transaction newer than the caller's.

    Appending would put the event before its predecessor in commit order; retry the whole unit
    of work in a new transaction.
    """

    def __init__(self, stream_id: str, expected: int | None, actual: int) -> None:
        super().__init__(stream_id, expected, actual)
        self.args = (
            f"stream {stream_id!r} (version {actual}) was last written by a newer transaction; "
            "retry in a new transaction",
        )


class EventIdConflict(EventStoreError):
    """An event id is already stored with different content: a bug, never a retry."""

    def __init__(self, event_id: UUID | str) -> None:
        super().__init__(f"event {event_id} is already stored with different content")
        self.event_id = str(event_id)


class PartialBatchConflict(EventStoreError):
    """Some but not all events of a batch are already stored."""


class EmptyAppend(EventStoreError):
    def __init__(self) -> None:
        super().__init__("append needs at least one event")
