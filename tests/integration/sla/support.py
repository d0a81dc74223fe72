"""Helpers for the sla service's integration tests: complaints put straight into the event store
(as intake and routing would), the clocks read back from ``sla_deadlines``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.sla import repository
from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.firing import DeadlineFirer
from services.sla.handlers import ClockKeeper
from services.sla.notifier import RecordingNotifier
from services.sla.policy import load_policy
from services.sla.repository import Deadline
from shared.calendar.config import load_calendar
from shared.clock import FakeClock
from shared.complaints import COMPLAINT_EVENTS, Command, Grade, SlaStage
from shared.events import Event, NewEvent, RecordedEvent
from shared.eventstore import NO_STREAM, PostgresEventStore
from shared.eventstore.complaint_handling import Outcome, execute
from shared.messaging.consumer import HandlerContext
from shared.messaging.dead_letters import Origin
from shared.settings import Settings
from tests.builders import DEPT, accept, agent, assign, channel, received, resolve, supervisor, transfer
from tests.support.backends import Backend
from tests.support.consumers import position_of
from tests.support.running import eventually
from tests.support.settings import settings_for

FIRST, RESOLUTION = SlaStage.FIRST_RESPONSE, SlaStage.RESOLUTION
WALL_CLOCK_POLICY = Path(__file__).with_name("wall_clock_policy.yaml")
"""Every limit 24×7: the firing tests count round hours (the packaged policy uses working time)."""


def sla_settings(database_url: str, kafka: Backend) -> Settings:
    """Like the `settings` fixture, for fixtures that outlive one test: topics of their own."""
    return settings_for(database_url, kafka)


def new_complaint_no() -> str:
    return f"TS-SLA-{uuid.uuid4().hex[:10]}"


@dataclass
class Complaints:
    """Complaints put into the event store through the kernel's recipe, on a FakeClock."""

    store: PostgresEventStore
    clock: FakeClock

    async def receive(self, grade: Grade = Grade.GENERAL, no: str | None = None) -> str:
        no = no or new_complaint_no()
        event = received(complaint_no=no, grade=grade, received_at=self.clock.now())
        await self.store.append(no, NO_STREAM, [NewEvent.of(event, actor=channel(), clock=self.clock)])
        return no

    async def do(self, no: str, command: Command) -> Outcome:
        outcome = await execute(self.store, no, command, clock=self.clock)
        assert outcome.rejection is None, outcome.rejection
        return outcome

    async def assign(self, no: str, department: str = DEPT) -> Outcome:
        return await self.do(no, assign(department, when=self.clock.now()))

    async def accept(self, no: str, department: str = DEPT) -> Outcome:
        return await self.do(no, accept(by=agent(department), when=self.clock.now()))

    async def resolve(self, no: str, department: str = DEPT) -> Outcome:
        return await self.do(no, resolve(by=agent(department), when=self.clock.now()))

    async def transfer(self, no: str, to: str) -> Outcome:
        return await self.do(no, transfer(to, by=supervisor(), when=self.clock.now()))

    async def records(self, no: str) -> list[RecordedEvent]:
        return await self.store.read_stream(no)

    async def types(self, no: str) -> list[str]:
        return [record.type for record in await self.records(no)]

    async def payloads(self, no: str, event_type: str) -> list[Event]:
        return [COMPLAINT_EVENTS.decode(r) for r in await self.records(no) if r.type == event_type]


async def deadlines(engine: AsyncEngine, no: str) -> Sequence[Deadline]:
    async with engine.connect() as conn:
        return await repository.for_complaint(conn, no)


def clock_of(rows: Sequence[Deadline], stage: SlaStage, generation: int = 1) -> Deadline:
    matching = [row for row in rows if row.stage is stage and row.generation == generation]
    assert len(matching) == 1, f"no {stage} generation {generation} in {rows}"
    return matching[0]


async def settled(engine: AsyncEngine, store: PostgresEventStore, no: str, consumer: str = "sla") -> None:
    """Wait until the sla consumer has handled every event of the complaint's stream."""

    async def done() -> bool:
        stored = await store.read_stream(no)
        return bool(stored) and await position_of(engine, consumer, no) >= stored[-1].stream_version

    await eventually(done, timeout=30, what=f"the sla consumer to handle every event of {no}")


@dataclass
class DirectClocks:
    """The consumer's handler applied to stored events directly, without Kafka: for tests that
    need the table to lag behind the stream, or many complaints quickly."""

    engine: AsyncEngine
    store: PostgresEventStore
    keeper: ClockKeeper = field(default_factory=lambda: ClockKeeper(default_planner()))
    applied: dict[str, int] = field(default_factory=dict)

    async def catch_up(self, no: str) -> None:
        """Apply the stream's events the table has not seen yet, each in its own transaction."""
        for record in await self.store.read_stream(no, self.applied.get(no, 0) + 1):
            await self.apply(record)
            self.applied[no] = record.stream_version

    async def apply(self, record: RecordedEvent) -> None:
        async with self.engine.begin() as conn:
            origin = Origin(topic="direct", partition=0, offset=0, key=None, headers=())
            await self.keeper.handle(record, HandlerContext(conn, self.store.bound(conn), origin))


def default_planner() -> DeadlinePlanner:
    return DeadlinePlanner(load_policy(WALL_CLOCK_POLICY), WallClockCalculator())


def firer(engine: AsyncEngine, clock: FakeClock, **options: Any) -> DeadlineFirer:
    return DeadlineFirer(engine, load_policy(WALL_CLOCK_POLICY), clock, **options)


ALL_CLOCKS_POLICY = Path(__file__).with_name("all_clocks_policy.yaml")
"""Every stage clocked, 24×7: acknowledgement 1 h, initial plan, progress interval (urgent 24 h) ..."""


@dataclass
class AllClocks:
    """The consumer's handler and the firer on the all-clocks policy, with the packaged business
    calendar (for out-of-hours and notice) and a notifier that keeps what it was asked to send."""

    clocks: DirectClocks
    firer: DeadlineFirer
    notifier: RecordingNotifier
    planner: DeadlinePlanner


def all_clocks(engine: AsyncEngine, store: PostgresEventStore, clock: FakeClock) -> AllClocks:
    planner = DeadlinePlanner(load_policy(ALL_CLOCKS_POLICY), WallClockCalculator(), calendar=load_calendar())
    notifier = RecordingNotifier()
    keeper = ClockKeeper(planner, clock)
    firer_ = DeadlineFirer(engine, planner.policy, clock, planner=planner, notifier=notifier)
    return AllClocks(DirectClocks(engine, store, keeper=keeper), firer_, notifier, planner)


def running_clock(rows: Sequence[Deadline], stage: SlaStage) -> Deadline:
    """The one running clock of ``stage``."""
    matching = [row for row in rows if row.stage is stage and row.stopped_at is None]
    assert len(matching) == 1, f"no single running {stage} clock in {rows}"
    return matching[0]
