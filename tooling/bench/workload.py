"""The events the benchmarks store: realistic complaints, built once, outside the timed code."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.clock import FakeClock
from shared.complaints import (
    Category,
    Channel,
    Complainant,
    ComplainantKind,
    ComplaintAccepted,
    ComplaintAssigned,
    ComplaintReceived,
    ComplaintResolved,
    ProgressRecorded,
)
from shared.events import Actor, Event, NewEvent, Role
from shared.privacy.crypto import seal

BENCH_KEY = bytes(range(32))
"""A fixed key: the benchmarks store realistic ciphertext, and nobody needs to open it."""
BENCH_COMPLAINANT = uuid.UUID(int=1)

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
DEPARTMENT = "quality"
CHANNEL = Actor(role=Role.CHANNEL, id="hotline")
ROUTING = Actor.service("routing")
AGENT = Actor(role=Role.AGENT, id="agent-1", department=DEPARTMENT)


def complaint_no(run: str, n: int) -> str:
    return f"BN-{run}-{n:07d}"


def run_id() -> str:
    """A prefix that keeps each run's stream ids apart within one database."""
    return uuid.uuid4().hex[:8]


def received(no: str, at: datetime = T0) -> ComplaintReceived:
    return ComplaintReceived(
        complaint_no=no,
        channel=Channel.HOTLINE,
        complainant_kind=ComplainantKind.CUSTOMER,
        complainant_id=BENCH_COMPLAINANT,
        personal_data=seal(BENCH_KEY, BENCH_COMPLAINANT, no, Complainant(name="张三", phone="13800000000")),
        category=Category.PRODUCT_QUALITY,
        subject="洗衣机漏水",
        content="新买的洗衣机第一次使用就漏水，要求更换。",
        product_refs=["WM-100"],
        order_refs=["SO-42"],
        received_at=at,
    )


def lifecycle(no: str) -> list[tuple[Event, Actor]]:
    """A complaint's ordinary life: received, assigned, accepted, progress, resolved."""
    return [
        (received(no), CHANNEL),
        (ComplaintAssigned(department=DEPARTMENT, rule="category"), ROUTING),
        (ComplaintAccepted(department=DEPARTMENT, agent="agent-1"), AGENT),
        (ProgressRecorded(department=DEPARTMENT, note="已联系客户，安排上门检测。"), AGENT),
        (ComplaintResolved(department=DEPARTMENT, resolution="已更换新机，客户认可。"), AGENT),
    ]


def new_events(no: str, count: int) -> list[NewEvent]:
    """``count`` events of one stream: the lifecycle, repeated progress notes beyond it."""
    clock = FakeClock(T0)
    correlation = uuid.uuid4()
    steps = lifecycle(no)
    while len(steps) < count:
        steps.insert(-1, (ProgressRecorded(department=DEPARTMENT, note="跟进处理中。"), AGENT))
    events = []
    for payload, actor in steps[:count]:
        clock.advance(timedelta(minutes=5))
        events.append(NewEvent.of(payload, actor=actor, clock=clock, correlation_id=correlation, trace={}))
    return events
