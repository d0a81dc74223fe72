"""A changed policy (on restart, or the admin reload) re-computes every running deadline from its
start, the new limit, its approved extensions and its time on hold; the same policy does nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.sla.clocks import StopReason
from services.sla.deadlines import DeadlinePlanner, WallClockCalculator
from services.sla.policy import parse_policy
from services.sla.replanning import apply_policy
from shared.complaints import Grade, RegradeComplaint, SlaExtensionApproved, SlaStage
from shared.durations import IsoDuration
from shared.events import NewEvent
from tests.builders import DEPT, agent, hold, resume, service, supervisor
from tests.integration.sla.conftest import Bare, Sla
from tests.integration.sla.support import ALL_CLOCKS_POLICY, all_clocks, deadlines, running_clock
from tests.support.auth import bearer

pytestmark = pytest.mark.integration

S = SlaStage
# The general grade: resolution 72 h → 120 h, and no initial-plan clock any more.
LONGER = parse_policy(
    ALL_CLOCKS_POLICY.read_text(encoding="utf-8").replace(
        "initial_plan: PT72H, resolution: PT72H, revisit: PT72H}",
        "resolution: PT120H, revisit: PT72H}",
    )
)


async def test_running_deadlines_follow_the_new_policy_keeping_pause_and_extension(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    assert await apply_policy(bare.engine, rig.planner, bare.clock) == 0  # first start: fingerprint kept
    assert await apply_policy(bare.engine, rig.planner, bare.clock) is None  # same policy: nothing

    received = bare.clock.now()
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    await bare.complaints.accept(no, DEPT)
    await bare.complaints.do(no, hold(by=agent(DEPT), when=bare.clock.now()))
    bare.clock.advance(timedelta(hours=3))
    await bare.complaints.do(no, resume(by=agent(DEPT), when=bare.clock.now()))
    version = await bare.store.stream_version(no)
    approved = SlaExtensionApproved(stage=S.RESOLUTION, extension=timedelta(hours=10))
    await bare.store.append(no, version, [NewEvent.of(approved, actor=service("sla"), clock=bare.clock)])
    await rig.clocks.catch_up(no)
    assert running_clock(await deadlines(bare.engine, no), S.RESOLUTION).due_at == received + timedelta(
        hours=72 + 10 + 3
    )

    longer = DeadlinePlanner(LONGER, WallClockCalculator(), calendar=rig.planner.calendar)
    changed = await apply_policy(bare.engine, longer, bare.clock, batch_size=2)  # pages of two rows
    assert changed is not None and changed >= 2
    rows = await deadlines(bare.engine, no)
    resolution = running_clock(rows, S.RESOLUTION)
    assert resolution.due_at == received + timedelta(hours=120 + 10 + 3)
    assert resolution.warn_at == received + timedelta(hours=(120 + 10) * 0.8 + 3)
    assert resolution.paused == timedelta(hours=3) and resolution.extension == IsoDuration.hours(10)
    # The new policy sets no initial plan for general complaints: that clock stops.
    [plan] = [row for row in rows if row.stage is S.INITIAL_PLAN]
    assert plan.stop_reason is StopReason.NOT_IN_POLICY
    assert await apply_policy(bare.engine, longer, bare.clock) is None


async def test_a_regrade_recomputes_the_running_clocks_for_the_new_grade(bare: Bare) -> None:
    rig = all_clocks(bare.engine, bare.store, bare.clock)
    received = bare.clock.now()
    no = await bare.complaints.receive(Grade.GENERAL)
    await bare.complaints.assign(no, DEPT)
    await rig.clocks.catch_up(no)

    await bare.complaints.do(
        no, RegradeComplaint(actor=supervisor(), at=bare.clock.now(), grade=Grade.URGENT, reason="人身安全")
    )
    await rig.clocks.catch_up(no)
    rows = await deadlines(bare.engine, no)
    assert running_clock(rows, S.RESOLUTION).due_at == received + timedelta(hours=120)
    assert running_clock(rows, S.FIRST_RESPONSE).due_at == received + timedelta(hours=4)
    assert running_clock(rows, S.INITIAL_PLAN).due_at == received + timedelta(hours=4)
    assert {row.grade for row in rows if row.stopped_at is None} == {Grade.URGENT}


async def test_the_admin_reload_endpoint(sla: Sla) -> None:
    refused = await sla.client.post("/v1/admin/sla/policy/reload", headers=bearer("supervisor"))
    assert refused.status_code == 403
    reloaded = await sla.client.post("/v1/admin/sla/policy/reload", headers=bearer("admin"))
    assert reloaded.status_code == 200, reloaded.text
    assert len(reloaded.json()["fingerprint"]) == 64
    again = await sla.client.post("/v1/admin/sla/policy/reload", headers=bearer("admin"))
    assert again.json()["changed"] is None  # unchanged policy: nothing re-computed
