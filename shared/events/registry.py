"""Maps (type, schema_version) to payload models, and upcasts old versions on read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from shared.events.envelope import Event, RecordedEvent

E = TypeVar("E", bound=type[Event])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    """The store or a topic holds an event type this process does not know."""

    def __init__(self, event_type: str, schema_version: int) -> None:
        super().__init__(f"unknown event type {event_type!r} (schema version {schema_version})")
        self.event_type = event_type
        self.schema_version = schema_version


class EventRegistry:
    def __init__(self) -> None:
        self._models: dict[str, type[Event]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}

    def register(self, model: E) -> E:
        """Class decorator: the model is the current version of its type."""
        existing = self._models.get(model.event_type)
        if existing is not None and existing is not model:
            raise ValueError(f"event type {model.event_type!r} registered twice")
        self._models[model.event_type] = model
        return model

    def register_all(self, models: Iterable[type[Event]]) -> None:
        for model in models:
            self.register(model)

    def upcaster(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorator for a function turning a version-N payload into version N+1."""

        def decorate(fn: Upcaster) -> Upcaster:
            self._upcasters[(event_type, from_version)] = fn
            return fn

        return decorate

    def knows(self, event_type: str) -> bool:
        return event_type in self._models

    def model_for(self, event_type: str, schema_version: int = 0) -> type[Event]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(event_type, schema_version) from None

    def upcast(self, event_type: str, schema_version: int, payload: dict[str, Any]) -> dict[str, Any]:
        model = self.model_for(event_type, schema_version)
        version = schema_version
        while version < model.schema_version:
            step = self._upcasters.get((event_type, version))
            if step is None:
                raise UnknownEventType(event_type, version)
            payload = step(dict(payload))
            version += 1
        if version > model.schema_version:
            raise UnknownEventType(event_type, schema_version)
        return payload

    def decode(self, event: RecordedEvent) -> Event:
        """The typed payload of a stored event, upcast to the current schema."""
        model = self._models.get(event.type)
        if model is not None and event.schema_version == model.schema_version:
            # Nothing to upcast: straight to the model's validator, which is all ``model_validate``
            # calls (replay validates every stored payload).
            decoded: Event = model.__pydantic_validator__.validate_python(event.payload)
            return decoded
        model = self.model_for(event.type, event.schema_version)
        return model.model_validate(self.upcast(event.type, event.schema_version, event.payload))

    def types(self) -> list[str]:
        return sorted(self._models)
