"""Level-3 (urgent) complaints: a progress reminder every 24 h until resolved — the warning goes
to the department's agent through the notifier; an interval without an update is a breach,
escalated one level up the chain (notified too), and the next interval starts at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.notifier import NotificationKind
from shared.complaints import ComplaintEscalated, Grade, ProgressKind, SlaBreached, SlaStage
from tests.builders import DEPT, acknowledge, agent, progress
from tests.integration.sla.conftest import Bare
from tests.integration.sla.support import all_clocks, deadlines, running_clock

pytestmark = pytest.mark.integration

PROGRESS = SlaStage.PROGRESS_UPDATE


async def test_reminders_every_24_hours_until_resolved(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    no = await bare.complaints.receive(Grade.LEVEL_3)
    await bare.complaints.do(no, acknowledge(when=bare.clock.now()))
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    plan = progress(by=agent(DEPT), when=bare.clock.now(), kind=ProgressKind.PLAN)
    await bare.complaints.do(no, plan)
    await rig.clocks.catch_up(no)
    start = bare.clock.now()

    bare.clock.set(start + timedelta(hours=19, minutes=12))  # 80 % of 24 h
    await rig.firer.fire_due()
    reminders = [n for n in rig.notifier.sent if n.kind is NotificationKind.PROGRESS_REMINDER]
    assert [(n.complaint_no, n.to_role, n.department, n.deadline) for n in reminders] == [
        (no, "agent", DEPT, start + timedelta(hours=24))
    ]

    bare.clock.set(start + timedelta(hours=24))  # no update: breach, escalation, next interval
    await rig.firer.fire_due()
    bare.clock.set(start + timedelta(hours=43, minutes=12))
    await rig.firer.fire_due()
    bare.clock.set(start + timedelta(hours=48))
    await rig.firer.fire_due()

    breaches = await bare.complaints.payloads(no, "SlaBreached")
    assert [(b.stage, b.deadline, b.department) for b in breaches if isinstance(b, SlaBreached)] == [
        (PROGRESS, start + timedelta(hours=24), DEPT),
        (PROGRESS, start + timedelta(hours=48), DEPT),
    ]
    escalations = await bare.complaints.payloads(no, "ComplaintEscalated")
    assert [(e.level, e.to_role) for e in escalations if isinstance(e, ComplaintEscalated)] == [
        (1, "supervisor"),
        (2, "operations_manager"),
    ]
    kinds = [(n.kind, n.to_role, n.level) for n in rig.notifier.sent]
    assert kinds == [
        (NotificationKind.PROGRESS_REMINDER, "agent", None),
        (NotificationKind.ESCALATION, "supervisor", 1),
        (NotificationKind.PROGRESS_REMINDER, "agent", None),
        (NotificationKind.ESCALATION, "operations_manager", 2),
    ]
    rows = await deadlines(bare.engine, no)
    assert running_clock(rows, PROGRESS).due_at == start + timedelta(hours=72)

    await bare.complaints.resolve(no, DEPT)  # until resolved
    await rig.clocks.catch_up(no)
    bare.clock.set(start + timedelta(hours=100))
    await rig.firer.fire_due()
    assert len(await bare.complaints.payloads(no, "SlaBreached")) == 2
    assert not [r for r in await deadlines(bare.engine, no) if r.stage is PROGRESS and r.stopped_at is None]


async def test_a_progress_update_in_time_restarts_the_interval_without_a_breach(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    no = await bare.complaints.receive(Grade.URGENT)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await rig.clocks.catch_up(no)
    start = bare.clock.now()
    bare.clock.set(start + timedelta(hours=20))
    await bare.complaints.do(no, progress(by=agent(DEPT), when=bare.clock.now()))
    await rig.clocks.catch_up(no)
    bare.clock.set(start + timedelta(hours=30))
    await rig.firer.fire_due()
    stages = [
        b.stage for b in await bare.complaints.payloads(no, "SlaBreached") if isinstance(b, SlaBreached)
    ]
    assert PROGRESS not in stages
    assert running_clock(await deadlines(bare.engine, no), PROGRESS).due_at == start + timedelta(hours=44)
