"""What a consumer knows of each message of a poll before (and instead of) decoding it.

A stored event travels with headers naming its stream, the stream's category, version and type
(``event_headers``), so a consumer can tell from them alone whether it handles the event, whether
it has seen it, and whether an earlier event of the stream is missing; only the events it handles
are decoded. An event without those headers (published by an older relay, or by hand) is decoded
to learn them; without the category header, the category is told from the stream id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.events import RecordedEvent
from shared.events.streams import HEADER as CATEGORY_HEADER
from shared.events.streams import stream_category


@dataclass(frozen=True)
class Origin:
    """Where a message came from: enough to find it again, never its value."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @property
    def message_ref(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"


def origin_of(record: Any) -> Origin:
    """The origin of an aiokafka ConsumerRecord."""
    return Origin(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        headers=tuple(record.headers or ()),
    )


class MissingEventHeaders(ValueError):
    """A message on the events topic whose headers do not say which event it is."""


@dataclass
class EventDelivery:
    """One stored event, as a consumer receives it: from Kafka (value, maybe not yet decoded) or
    from the store itself (a gap filled, or an event the broker never delivered)."""

    stream_id: str
    version: int
    type: str
    event_id: str
    origin: Origin | None = None
    value: bytes | None = None
    _event: RecordedEvent | None = field(default=None, repr=False)
    category: str = ""
    """The stream's category (:mod:`shared.events.streams`): from the header, else the stream id."""

    def __post_init__(self) -> None:
        if not self.category:
            self.category = stream_category(self.stream_id)

    @classmethod
    def from_record(cls, record: Any) -> EventDelivery:
        """From an aiokafka ConsumerRecord. Raises ValueError / pydantic's ValidationError for a
        message that is not a stored event (a poison message)."""
        origin = origin_of(record)
        headers = {name: value for name, value in origin.headers}
        try:
            return cls(
                stream_id=headers["stream_id"].decode(),
                version=int(headers["stream_version"]),
                type=headers["event_type"].decode(),
                event_id=headers["event_id"].decode(),
                origin=origin,
                value=record.value,
                category=headers[CATEGORY_HEADER].decode() if CATEGORY_HEADER in headers else "",
            )
        except (KeyError, ValueError, UnicodeDecodeError):
            pass  # not our relay's headers: the value says it all
        if record.value is None:
            raise MissingEventHeaders("an empty message is not an event")
        event = RecordedEvent.from_wire(record.value)
        return cls(
            stream_id=event.stream_id,
            version=event.stream_version,
            type=event.type,
            event_id=str(event.event_id),
            origin=origin,
            value=record.value,
            _event=event,
        )

    @classmethod
    def from_store(cls, event: RecordedEvent) -> EventDelivery:
        return cls(event.stream_id, event.stream_version, event.type, str(event.event_id), _event=event)

    @property
    def event(self) -> RecordedEvent:
        """The decoded event (ValidationError / ValueError when the value is not one)."""
        if self._event is None:
            assert self.value is not None
            self._event = RecordedEvent.from_wire(self.value)
        return self._event


def by_stream(deliveries: Iterable[EventDelivery]) -> dict[str, dict[int, EventDelivery]]:
    """Deliveries per stream (in order of first appearance), each stream's by version; a version
    delivered twice in one poll keeps its first delivery."""
    streams: dict[str, dict[int, EventDelivery]] = {}
    for delivery in deliveries:
        streams.setdefault(delivery.stream_id, {}).setdefault(delivery.version, delivery)
    return streams


def category_of(delivered: dict[int, EventDelivery]) -> str:
    """The category of a stream's deliveries (one stream: one category)."""
    return next(iter(delivered.values())).category


def targets_of(deliveries: Sequence[EventDelivery]) -> dict[str, int]:
    """The highest version delivered of each stream."""
    targets: dict[str, int] = {}
    for delivery in deliveries:
        if delivery.version > targets.get(delivery.stream_id, 0):
            targets[delivery.stream_id] = delivery.version
    return targets
