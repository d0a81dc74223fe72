"""The envelope every event travels in, before and after it is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Self
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.clock import Clock, ensure_utc
from shared.events.canonical import canonical_envelope_json, canonical_json, format_timestamp, sha256


class Role(StrEnum):
    CHANNEL = "channel"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SERVICE = "service"
    COMPLAINANT = "complainant"
    DIRECTOR = "director"
    DEPARTMENT_HEAD = "department_head"
    PR_OWNER = "pr_owner"
    QUALITY_ENGINEER = "quality_engineer"


class Actor(BaseModel):
    """Who caused an event, in which role; always the authenticated caller or a service."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role = Field(description="The role the actor acted in.")
    id: str = Field(description="Token subject, department user id, or service name.", min_length=1)
    department: str | None = Field(None, description="The department an agent acts for.")

    @classmethod
    def service(cls, name: str) -> Actor:
        return cls(role=Role.SERVICE, id=name)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Event(BaseModel):
    """Base of every event payload: frozen, no unknown fields, named in the past tense.

    Subclasses register with an EventRegistry. ``event_type`` is the class's name unless the
    class sets it; ``schema_version`` starts at 1 and goes up with an upcaster.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            cls.event_type = cls.__name__


class NewEvent(BaseModel):
    """An event decided by a handler and not yet stored."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    event_id: UUID = Field(default_factory=uuid4)
    type: str
    schema_version: int
    occurred_at: datetime
    actor: Actor
    correlation_id: UUID
    causation_id: UUID | None = None
    trace: dict[str, str] = Field(default_factory=dict)
    payload: dict[str, Any]

    @field_validator("occurred_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return ensure_utc(value)

    @classmethod
    def of(
        cls,
        payload: Event,
        *,
        actor: Actor,
        clock: Clock,
        correlation_id: UUID | None = None,
        causation: RecordedEvent | None = None,
        event_id: UUID | None = None,
        trace: dict[str, str] | None = None,
    ) -> Self:
        """Wrap a payload; correlation follows the causing event unless given."""
        from shared.service.tracing import current_trace_context

        if correlation_id is None:
            correlation_id = causation.correlation_id if causation else uuid4()
        return cls(
            event_id=event_id or uuid4(),
            type=payload.event_type,
            schema_version=payload.schema_version,
            occurred_at=clock.now(),
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation.event_id if causation else None,
            trace=trace if trace is not None else current_trace_context(),
            payload=payload.model_dump(mode="json"),
        )

    def hashed_fields(self, stream_id: str) -> dict[str, Any]:
        return hashed_fields(
            event_id=self.event_id,
            stream_id=stream_id,
            type=self.type,
            schema_version=self.schema_version,
            occurred_at=self.occurred_at,
            actor=self.actor.as_dict(),
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            trace=self.trace,
            payload=self.payload,
        )

    def content_hash(self, stream_id: str) -> bytes:
        return sha256(canonical_json(self.hashed_fields(stream_id)))


def hashed_fields(
    *,
    event_id: UUID,
    stream_id: str,
    type: str,
    schema_version: int,
    occurred_at: datetime,
    actor: dict[str, Any],
    correlation_id: UUID,
    causation_id: UUID | None,
    trace: dict[str, str],
    payload: dict[str, Any],
) -> dict[str, Any]:
    """What an event's content hash covers: everything known before the store sees it.

    The stream version is covered by the chain itself (each link names its predecessor).
    """
    return {
        "event_id": str(event_id),
        "stream_id": stream_id,
        "type": type,
        "schema_version": schema_version,
        "occurred_at": format_timestamp(occurred_at),
        "actor": actor,
        "correlation_id": str(correlation_id),
        "causation_id": str(causation_id) if causation_id else None,
        "trace": trace,
        "payload": payload,
    }


class Position(BaseModel):
    """A follower's place in the store: commit order is (transaction id, global position)."""

    model_config = ConfigDict(frozen=True)

    tx_id: int = 0
    global_position: int = 0

    def as_tuple(self) -> tuple[int, int]:
        return (self.tx_id, self.global_position)

    def __str__(self) -> str:
        return f"{self.tx_id}:{self.global_position}"

    @classmethod
    def parse(cls, text: str) -> Position:
        tx, _, pos = text.partition(":")
        return cls(tx_id=int(tx), global_position=int(pos))


START = Position()


def _utc_text(value: datetime) -> str:
    """format_timestamp's text, through the faster isoformat (same bytes for years 1000-9999)."""
    if value.tzinfo is UTC and value.year >= 1000:
        return value.isoformat(timespec="microseconds")[:-6] + "Z"
    return format_timestamp(value)


_new = object.__new__
_setattr = object.__setattr__


class RecordedEvent(BaseModel):
    """An event as stored: the full envelope, the store's positions and its hash link."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(description="Unique id of the event; consumers deduplicate on it.")
    stream_id: str = Field(description="The complaint number the event belongs to.")
    stream_version: int = Field(description="1-based position of the event in its complaint's stream.")
    global_position: int = Field(description="Position in the whole store (insertion order).")
    tx_id: int = Field(description="PostgreSQL transaction id; with global_position, the commit order.")
    type: str = Field(description="Event type, e.g. ComplaintReceived.")
    schema_version: int = Field(description="Version of the payload schema for this type.")
    occurred_at: datetime = Field(description="When it happened (UTC), from the service's clock.")
    recorded_at: datetime = Field(description="When the store committed it (UTC).")
    actor: Actor = Field(description="Who caused it and in which role.")
    correlation_id: UUID = Field(description="Shared by every event of one business flow.")
    causation_id: UUID | None = Field(None, description="The event or command that caused this one.")
    trace: dict[str, str] = Field(default_factory=dict, description="W3C trace context (traceparent).")
    payload: dict[str, Any] = Field(description="The event's data; its schema depends on type and version.")
    prev_hash: str | None = Field(None, description="Hex SHA-256 of the previous event of this stream.")
    hash: str = Field(description="Hex SHA-256 link: sha256(prev_hash || sha256(canonical content)).")

    @classmethod
    def trusted(cls, values: dict[str, Any]) -> RecordedEvent:
        """An event from data that is already valid (the store's own rows): no validation.

        What ``model_construct`` does, without its per-field loop: ``values`` must hold every
        field, already of the right type, and becomes the instance's ``__dict__`` (replay speed).
        Every such event shares one fields-set (all fields): pydantic only ever changes the set of
        a copy (``model_copy``), and a frozen model has no assignment that would add to it; a
        set of its own cost an allocation and a garbage-collected object per event.
        """
        event = _new(cls)
        _setattr(event, "__dict__", values)
        _setattr(event, "__pydantic_fields_set__", _ALL_FIELDS_SET)
        _setattr(event, "__pydantic_extra__", None)
        _setattr(event, "__pydantic_private__", None)
        return event

    @property
    def position(self) -> Position:
        return Position(tx_id=self.tx_id, global_position=self.global_position)

    def hashed_fields(self) -> dict[str, Any]:
        return hashed_fields(
            event_id=self.event_id,
            stream_id=self.stream_id,
            type=self.type,
            schema_version=self.schema_version,
            occurred_at=self.occurred_at,
            actor=self.actor.as_dict(),
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            trace=self.trace,
            payload=self.payload,
        )

    def content_hash(self) -> bytes:
        return sha256(canonical_json(self.hashed_fields()))

    def to_wire(self) -> bytes:
        """The canonical JSON of the whole envelope: the Kafka message value."""
        # The same bytes as canonical_json(self.model_dump(mode="python")), without pydantic's
        # serializer: every field is in __dict__; only the nested Actor needs unpacking (relay speed).
        # Timestamps and UUIDs are pre-formatted so the encoder never calls back into Python;
        # orjson encodes (the relay's largest cost after aiokafka itself), byte for byte the same.
        actor, causation = self.actor, self.causation_id
        return canonical_envelope_json(
            {
                **self.__dict__,
                "event_id": str(self.event_id),
                "occurred_at": _utc_text(self.occurred_at),
                "recorded_at": _utc_text(self.recorded_at),
                "actor": {"role": actor.role, "id": actor.id, "department": actor.department},
                "correlation_id": str(self.correlation_id),
                "causation_id": str(causation) if causation is not None else None,
            }
        )

    @classmethod
    def from_wire(cls, data: bytes | str) -> RecordedEvent:
        return cls.model_validate_json(data)


_ALL_FIELDS_SET: set[str] = set(RecordedEvent.model_fields)
