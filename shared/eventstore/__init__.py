"""The append-only event store: the audit trail and the source of every Kafka message."""

from shared.eventstore.errors import (
    ConcurrencyError,
    EmptyAppend,
    EventIdConflict,
    EventStoreError,
    PartialBatchConflict,
    StaleTransaction,
)
from shared.eventstore.interface import (
    ANY_VERSION,
    NO_STREAM,
    AppendResult,
    BrokenLink,
    EventStore,
    VerifyReport,
)
from shared.eventstore.memory import InMemoryEventStore
from shared.eventstore.postgres import PostgresEventStore

__all__ = [
    "ANY_VERSION",
    "NO_STREAM",
    "AppendResult",
    "BrokenLink",
    "ConcurrencyError",
    "EmptyAppend",
    "EventIdConflict",
    "EventStore",
    "EventStoreError",
    "InMemoryEventStore",
    "PartialBatchConflict",
    "PostgresEventStore",
    "StaleTransaction",
    "VerifyReport",
]
