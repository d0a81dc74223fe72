"""When the deadlines table lags behind the stream, the stream decides: a clock already stopped
by an event the consumer has not applied yet is stopped, not fired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.repository import DeadlineState
from shared.complaints import Grade
from tests.builders import DEPT, withdraw
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import FIRST, RESOLUTION, clock_of, deadlines, firer

pytestmark = pytest.mark.integration


async def test_an_acceptance_not_yet_consumed_stops_the_timer_instead_of_a_breach(bare: Bare) -> None:
    no = await bare.complaints.receive(Grade.URGENT)
    await bare.complaints.assign(no, DEPT)
    await bare.clocks.catch_up(no)  # the table knows the assignment ...
    bare.clock.advance(timedelta(hours=1))
    accepted = await bare.complaints.accept(no, DEPT)  # ... but not the acceptance

    bare.clock.advance(timedelta(hours=4))
    report = await firer(bare.engine, bare.clock).fire_due()

    assert "SlaBreached" not in await bare.complaints.types(no)
    first = clock_of(await deadlines(bare.engine, no), FIRST)
    assert first.state is DeadlineState.STOPPED
    assert (first.stop_reason, first.stopped_by) == (StopReason.ACCEPTED, accepted.recorded[0].event_id)
    assert first.stopped_at == accepted.recorded[0].occurred_at
    assert report.stopped == 1

    await bare.clocks.catch_up(no)  # the consumer catches up later: nothing changes
    assert clock_of(await deadlines(bare.engine, no), FIRST) == first


async def test_a_closed_complaint_gets_no_warning(bare: Bare) -> None:
    no = await bare.complaints.receive(Grade.URGENT)
    await bare.clocks.catch_up(no)
    await bare.complaints.do(no, withdraw(when=bare.clock.now()))

    bare.clock.advance(timedelta(hours=20))
    await firer(bare.engine, bare.clock).fire_due()

    assert await bare.complaints.types(no) == ["ComplaintReceived", "ComplaintWithdrawn"]
    resolution = clock_of(await deadlines(bare.engine, no), RESOLUTION)
    assert resolution.stop_reason is StopReason.WITHDRAWN
