"""Intake's acknowledgement and the SLA service's out-of-hours auto-acknowledgement race for the
same complaint (a backdated complaint's hour has run out on arrival): whoever comes second finds
it acknowledged and appends nothing — one ComplaintAcknowledged, and no CommandRejected, since a
service's idempotent no-op is not a refused command."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.handlers import AcknowledgementHandler
from shared.eventstore import ConcurrencyError
from shared.messaging.consumer import HandlerContext
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import AllClocks, all_clocks

pytestmark = pytest.mark.integration

SATURDAY_NIGHT = datetime(2026, 1, 10, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai: out of hours
AUTO_ACK_AT = SATURDAY_NIGHT + timedelta(minutes=48)  # 80 % of the 1 h acknowledgement limit


@dataclass
class CountingNotifier:
    """Intake's notifier: counts the complainants it told."""

    name: str = "counting"
    told: list[str] = field(default_factory=list)

    async def acknowledge(self, complaint_no: str, channel: str) -> str:
        self.told.append(complaint_no)
        return "ack.received"


async def intake_acknowledges(bare: Bare, handler: AcknowledgementHandler, no: str) -> None:
    """Intake's consumer handling the complaint's ComplaintReceived: a lost race is tried again on
    fresh state, as the consumer does."""
    [received] = [r for r in await bare.store.read_stream(no) if r.type == "ComplaintReceived"]
    for _ in range(5):
        try:
            async with bare.engine.begin() as conn:
                await handler.handle([received], HandlerContext(conn, bare.store.bound(conn)))
            return
        except ConcurrencyError:
            continue
    raise AssertionError("intake lost the race five times")


async def out_of_hours_complaint(bare: Bare, rig: AllClocks) -> str:
    bare.clock.set(SATURDAY_NIGHT)
    no = await bare.complaints.receive()
    await rig.clocks.catch_up(no)  # the acknowledgement clock runs
    bare.clock.set(AUTO_ACK_AT)
    return no


async def assert_acknowledged_once(bare: Bare, no: str) -> None:
    types = await bare.complaints.types(no)
    assert types.count("ComplaintAcknowledged") == 1, types
    assert "CommandRejected" not in types, types


async def test_intake_after_the_auto_acknowledgement_appends_nothing(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    notifier = CountingNotifier()
    intake = AcknowledgementHandler(notifier, bare.clock)
    no = await out_of_hours_complaint(bare, rig)

    assert (await rig.firer.fire_due()).auto_acknowledged == 1
    await intake_acknowledges(bare, intake, no)  # intake's consumer was behind

    await assert_acknowledged_once(bare, no)
    assert (await bare.complaints.payloads(no, "ComplaintAcknowledged"))[0].via == "auto"  # type: ignore[attr-defined]
    assert notifier.told == []  # the complainant was told once, by the SLA service


async def test_the_auto_acknowledgement_after_intake_appends_nothing(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    intake = AcknowledgementHandler(CountingNotifier(), bare.clock)
    no = await out_of_hours_complaint(bare, rig)

    await intake_acknowledges(bare, intake, no)
    report = await rig.firer.fire_due()  # the SLA consumer has not seen intake's acknowledgement

    assert report.auto_acknowledged == 0 and report.stopped == 1
    await assert_acknowledged_once(bare, no)


async def test_both_at_once_leave_one_acknowledgement_and_no_rejection(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    intake = AcknowledgementHandler(CountingNotifier(), bare.clock)
    bare.clock.set(SATURDAY_NIGHT)
    numbers = [await bare.complaints.receive() for _ in range(12)]
    for no in numbers:
        await rig.clocks.catch_up(no)
    bare.clock.set(AUTO_ACK_AT)

    await asyncio.gather(rig.firer.fire_due(), *(intake_acknowledges(bare, intake, no) for no in numbers))
    await rig.firer.fire_due()  # rows deferred by a lost race are fired (or stopped) now

    for no in numbers:
        await assert_acknowledged_once(bare, no)
