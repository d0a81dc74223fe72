"""Event envelope, canonical form and the type registry."""

from shared.events.canonical import canonical_json, chain_hash, sha256
from shared.events.envelope import START, Actor, Event, NewEvent, Position, RecordedEvent, Role
from shared.events.registry import EventRegistry, UnknownEventType

__all__ = [
    "START",
    "Actor",
    "Event",
    "EventRegistry",
    "NewEvent",
    "Position",
    "RecordedEvent",
    "Role",
    "UnknownEventType",
    "canonical_json",
    "chain_hash",
    "sha256",
]
