"""A complaint received outside working hours that nobody acknowledged is acknowledged by the SLA
service itself (via="auto") within the hour; in working hours the acknowledgement clock warns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.notifier import NotificationKind
from shared.complaints import ComplaintAcknowledged, Grade, SlaStage, SlaWarningRaised
from tests.builders import acknowledge
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import all_clocks, deadlines

pytestmark = pytest.mark.integration

ACK = SlaStage.ACKNOWLEDGEMENT
SATURDAY_NIGHT = datetime(2026, 1, 10, 14, 0, tzinfo=UTC)  # 22:00 in Shanghai


async def test_out_of_hours_the_service_acknowledges_within_the_hour(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    bare.clock.set(SATURDAY_NIGHT)
    no = await bare.complaints.receive(Grade.GENERAL)
    await rig.clocks.catch_up(no)

    bare.clock.set(SATURDAY_NIGHT + timedelta(minutes=47))
    await rig.firer.fire_due()
    assert "ComplaintAcknowledged" not in await bare.complaints.types(no)

    bare.clock.set(SATURDAY_NIGHT + timedelta(minutes=48))  # 80 % of the 1 h
    report = await rig.firer.fire_due()
    assert report.auto_acknowledged == 1
    [ack] = await bare.complaints.payloads(no, "ComplaintAcknowledged")
    assert isinstance(ack, ComplaintAcknowledged)
    assert ack.via == "auto"
    [row] = [r for r in await deadlines(bare.engine, no) if r.stage is ACK]
    assert row.stop_reason is StopReason.AUTO_ACKNOWLEDGED
    assert [(n.kind, n.to_role) for n in rig.notifier.sent] == [
        (NotificationKind.AUTO_ACKNOWLEDGEMENT, "complainant")
    ]

    await rig.clocks.catch_up(no)  # the consumer sees its own acknowledgement: nothing more
    bare.clock.set(SATURDAY_NIGHT + timedelta(hours=2))
    await rig.firer.fire_due()
    assert (await bare.complaints.types(no)).count("ComplaintAcknowledged") == 1
    assert "SlaBreached" not in await bare.complaints.types(no)


async def test_an_acknowledged_complaint_is_not_acknowledged_again(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    bare.clock.set(SATURDAY_NIGHT)
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.do(no, acknowledge(when=bare.clock.now()))  # the consumer lags behind
    await rig.clocks.catch_up(no)
    bare.clock.set(SATURDAY_NIGHT + timedelta(hours=1))
    await rig.firer.fire_due()
    assert (await bare.complaints.types(no)).count("ComplaintAcknowledged") == 1


async def test_in_working_hours_the_acknowledgement_clock_warns_instead(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)  # T0: Monday 09:00 in Shanghai
    start = bare.clock.now()
    no = await bare.complaints.receive(Grade.GENERAL)
    await rig.clocks.catch_up(no)
    bare.clock.set(start + timedelta(minutes=48))
    await rig.firer.fire_due()
    assert "ComplaintAcknowledged" not in await bare.complaints.types(no)
    [warning] = await bare.complaints.payloads(no, "SlaWarningRaised")
    assert isinstance(warning, SlaWarningRaised) and warning.stage is ACK
    assert [(n.kind, n.to_role) for n in rig.notifier.sent] == [(NotificationKind.WARNING, "agent")]
