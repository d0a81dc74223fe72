"""Hash-chain verification, shared by every store implementation."""

from __future__ import annotations

from collections.abc import Iterable

from shared.events import RecordedEvent, chain_hash
from shared.eventstore.interface import BrokenLink


class StreamChecker:
    """Walks one stream's events in version order and names the first broken link."""

    def __init__(self, stream_id: str) -> None:
        self.stream_id = stream_id
        self.expected_version = 1
        self.previous_hash: str | None = None
        self.broken: BrokenLink | None = None

    def check(self, event: RecordedEvent, stored_content_hash: bytes | None = None) -> None:
        if self.broken is not None:
            return
        problem = self._problem(event, stored_content_hash)
        if problem:
            self.broken = BrokenLink(
                event_id=str(event.event_id),
                stream_id=event.stream_id,
                stream_version=event.stream_version,
                global_position=event.global_position,
                problem=problem,
            )
            return
        self.expected_version += 1
        self.previous_hash = event.hash

    def _problem(self, event: RecordedEvent, stored_content_hash: bytes | None) -> str | None:
        if event.stream_version != self.expected_version:
            return f"version {event.stream_version} where {self.expected_version} was expected"
        if event.prev_hash != self.previous_hash:
            return "prev_hash does not match the previous event's hash"
        content = event.content_hash()
        if stored_content_hash is not None and stored_content_hash != content:
            return "content does not match its recorded content hash (the event was altered)"
        if (
            chain_hash(bytes.fromhex(event.prev_hash) if event.prev_hash else None, content).hex()
            != event.hash
        ):
            return "hash does not match sha256(prev_hash || content) (the event was altered)"
        return None


def verify_stream(events: Iterable[RecordedEvent]) -> BrokenLink | None:
    checker: StreamChecker | None = None
    for event in events:
        checker = checker or StreamChecker(event.stream_id)
        checker.check(event)
    return checker.broken if checker else None
