"""An in-process event store with the same contract, for pure handler tests and tooling."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime
from itertools import count

from shared.events import START, NewEvent, Position, RecordedEvent, chain_hash
from shared.eventstore.chain import StreamChecker
from shared.eventstore.errors import ConcurrencyError, EmptyAppend, EventIdConflict, PartialBatchConflict
from shared.eventstore.interface import AppendResult, VerifyReport


class InMemoryEventStore:
    def __init__(self) -> None:
        self._events: list[RecordedEvent] = []
        self._streams: dict[str, list[RecordedEvent]] = defaultdict(list)
        self._by_id: dict[str, tuple[RecordedEvent, bytes]] = {}
        self._content: dict[int, bytes] = {}
        self._tx = count(1)
        self._lock = asyncio.Lock()

    async def append(
        self, stream_id: str, expected_version: int | None, events: Sequence[NewEvent]
    ) -> AppendResult:
        if not events:
            raise EmptyAppend()
        async with self._lock:
            hashes = [e.content_hash(stream_id) for e in events]
            found = [self._by_id.get(str(e.event_id)) for e in events]
            for event, stored, content in zip(events, found, hashes, strict=True):
                if stored is not None and (stored[1] != content or stored[0].stream_id != stream_id):
                    raise EventIdConflict(event.event_id)
            if all(found):
                return AppendResult(events=[f[0] for f in found if f])
            if any(found):
                raise PartialBatchConflict(f"{sum(map(bool, found))} of {len(events)} events already stored")
            stream = self._streams[stream_id]
            version = len(stream)
            if expected_version is not None and expected_version != version:
                raise ConcurrencyError(stream_id, expected_version, version)
            tx_id = next(self._tx)
            now = datetime.now(UTC)
            previous = stream[-1].hash if stream else None
            recorded: list[RecordedEvent] = []
            for offset, (event, content) in enumerate(zip(events, hashes, strict=True), start=1):
                link = chain_hash(bytes.fromhex(previous) if previous else None, content).hex()
                stored_event = RecordedEvent(
                    event_id=event.event_id,
                    stream_id=stream_id,
                    stream_version=version + offset,
                    global_position=len(self._events) + 1,
                    tx_id=tx_id,
                    type=event.type,
                    schema_version=event.schema_version,
                    occurred_at=event.occurred_at,
                    recorded_at=now,
                    actor=event.actor,
                    correlation_id=event.correlation_id,
                    causation_id=event.causation_id,
                    trace=event.trace,
                    payload=event.payload,
                    prev_hash=previous,
                    hash=link,
                )
                previous = link
                self._events.append(stored_event)
                stream.append(stored_event)
                self._by_id[str(event.event_id)] = (stored_event, content)
                self._content[stored_event.global_position] = content
                recorded.append(stored_event)
            return AppendResult(events=recorded)

    async def append_many(
        self, appends: Sequence[tuple[str, int | None, Sequence[NewEvent]]]
    ) -> list[AppendResult]:
        if not appends or any(not events for _, _, events in appends):
            raise EmptyAppend()
        if len({stream for stream, _, _ in appends}) != len(appends):
            raise ValueError("append_many takes each stream once")
        for stream_id, expected, events in appends:  # all or nothing: check every stream first
            stored = [self._by_id.get(str(e.event_id)) for e in events]
            version = len(self._streams.get(stream_id, []))
            if not all(stored) and expected is not None and expected != version:
                raise ConcurrencyError(stream_id, expected, version)
        return [await self.append(stream_id, expected, events) for stream_id, expected, events in appends]

    async def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        return list(self._streams.get(stream_id, [])[max(from_version, 1) - 1 :])

    async def read_streams(self, stream_ids: Iterable[str]) -> dict[str, list[RecordedEvent]]:
        return {s: list(self._streams[s]) for s in sorted(set(stream_ids)) if self._streams.get(s)}

    async def stream_version(self, stream_id: str) -> int:
        return len(self._streams.get(stream_id, []))

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        start = after.global_position
        return self._events[start : start + limit]

    async def read_all_pages(
        self, after: Position = START, limit: int = 1000
    ) -> AsyncIterator[list[RecordedEvent]]:
        while page := await self.read_all(after, limit):
            yield page
            after = page[-1].position

    async def read_period(
        self, since: datetime | None = None, until: datetime | None = None, batch: int = 1000
    ) -> AsyncIterator[RecordedEvent]:
        for event in list(self._events):
            if (since is None or event.recorded_at >= since) and (until is None or event.recorded_at < until):
                yield event

    async def verify(self, stream_id: str | None = None) -> VerifyReport:
        report = VerifyReport()
        names = [stream_id] if stream_id is not None else sorted(self._streams)
        for name in names:
            checker = StreamChecker(name)
            report.streams_checked += 1
            for event in self._streams.get(name, []):
                checker.check(event, self._content[event.global_position])
                report.events_checked += 1
            if checker.broken:
                report.broken.append(checker.broken)
        return report

    def tamper(self, global_position: int, payload: dict[str, object]) -> None:
        """Rewrite a stored event behind the store's back (for verify tests only)."""
        old = self._events[global_position - 1]
        forged = old.model_copy(update={"payload": payload})
        self._events[global_position - 1] = forged
        stream = self._streams[old.stream_id]
        stream[old.stream_version - 1] = forged
