"""Builders of generic test events for the kernel's own tests (complaint builders: tests/builders.py)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from shared.clock import FakeClock
from shared.events import Actor, Event, EventRegistry, NewEvent

KERNEL_TEST_EVENTS = EventRegistry()


@KERNEL_TEST_EVENTS.register
class SomethingHappened(Event):
    event_type: ClassVar[str] = "SomethingHappened"
    n: int = Field(description="A number.")
    text: str = Field("投诉 complaint ✓", description="Some text, not ASCII.")
    ratio: float = Field(0.3, description="A float, to prove the canonical form survives jsonb.")


def new_stream_id() -> str:
    return f"TS-TEST-{uuid.uuid4().hex[:12]}"


def something(n: int = 1, clock: FakeClock | None = None, **kwargs: object) -> NewEvent:
    return NewEvent.of(
        SomethingHappened(n=n, **kwargs),  # type: ignore[arg-type]
        actor=Actor.service("tests"),
        clock=clock or FakeClock(),
        trace={},
    )


def some(count: int, clock: FakeClock | None = None) -> list[NewEvent]:
    return [something(i, clock) for i in range(1, count + 1)]
