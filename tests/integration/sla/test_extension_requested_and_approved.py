"""Extensions over HTTP: the department asks at least one working day before the deadline, with
the complainant's consent; a supervisor approves (the deadline and its warning move) or declines.
Too late is refused with a reason, and the refusal is on the complaint's audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.complaints import Grade, RejectionCode, SlaStage
from shared.durations import IsoDuration
from tests.builders import DEPT, OTHER_DEPT, supervisor, transfer
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import deadlines, running_clock, settled
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


def _request(stage: str = "resolution", extension: str = "P1D", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stage": stage,
        "extension": extension,
        "reason": "等待供应商检测报告",
        "consent": {"via": "phone", "at": "2026-01-01T10:00:00+08:00", "note": "通话记录 #123"},
    }
    return {**body, **changes}


async def _accepted(sla: Sla, grade: Grade) -> str:
    no = await sla.complaints.receive(grade)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await settled(sla.engine, sla.store, no)
    return no


async def test_an_approved_extension_moves_the_deadline_and_the_warning(sla: Sla) -> None:
    no = await _accepted(sla, Grade.GENERAL)  # resolution 72 h (24×7 in these tests)
    before = running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION)

    asked = await sla.client.post(
        f"/v1/complaints/{no}/extensions", json=_request(), headers=bearer("agent", DEPT)
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["events"] == ["SlaExtensionRequested"]
    by_agent = await sla.client.post(
        f"/v1/complaints/{no}/extensions/resolution/approve", json={}, headers=bearer("agent", DEPT)
    )
    assert by_agent.status_code == 403
    approved = await sla.client.post(
        f"/v1/complaints/{no}/extensions/resolution/approve",
        json={"note": "同意"},
        headers=bearer("supervisor"),
    )
    assert approved.status_code == 200, approved.text
    await settled(sla.engine, sla.store, no)

    after = running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION)
    assert after.due_at == before.due_at + timedelta(days=1)
    assert after.warn_at == before.started_at + (after.due_at - before.started_at) * 0.8
    assert after.extension == IsoDuration(days=1)
    view = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("supervisor"))
    [item] = [i for i in view.json()["items"] if i["stage"] == "resolution"]
    assert item["extension"] == "P1D"


async def test_an_extension_in_hours_keeps_its_hours_through_the_api(sla: Sla) -> None:
    no = await _accepted(sla, Grade.GENERAL)
    asked = await sla.client.post(
        f"/v1/complaints/{no}/extensions", json=_request(extension="PT24H"), headers=bearer("agent", DEPT)
    )
    assert asked.status_code == 200, asked.text
    approved = await sla.client.post(
        f"/v1/complaints/{no}/extensions/resolution/approve", json={}, headers=bearer("supervisor")
    )
    assert approved.status_code == 200, approved.text
    await settled(sla.engine, sla.store, no)
    stored = {r.type: r.payload for r in await sla.complaints.records(no)}
    assert stored["SlaExtensionRequested"]["extension"] == "PT24H"  # not folded into P1D
    assert stored["SlaExtensionApproved"]["extension"] == "PT24H"
    assert running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION).extension == IsoDuration.hours(
        24
    )
    view = await sla.client.get(f"/v1/complaints/{no}/deadlines", headers=bearer("supervisor"))
    [item] = [i for i in view.json()["items"] if i["stage"] == "resolution"]
    assert item["extension"] == "PT24H"


async def test_a_request_less_than_one_working_day_ahead_is_refused(sla: Sla) -> None:
    no = await _accepted(sla, Grade.URGENT)
    # A transfer starts a first-response clock (4 h) for the new department.
    await sla.complaints.do(no, transfer(OTHER_DEPT, by=supervisor()))
    await settled(sla.engine, sla.store, no)
    refused = await sla.client.post(
        f"/v1/complaints/{no}/extensions",
        json=_request(stage="first_response", extension="PT4H"),
        headers=bearer("agent", OTHER_DEPT),
    )
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == RejectionCode.EXTENSION_TOO_LATE
    assert "one working day" in body["message"] and "工作日" in body["message_zh"]
    assert (await sla.complaints.types(no))[-1] == "CommandRejected"


async def test_declined_bad_and_clockless_requests(sla: Sla) -> None:
    no = await _accepted(sla, Grade.GENERAL)
    declined = await sla.client.post(
        f"/v1/complaints/{no}/extensions/resolution/decline",
        json={"reason": "x"},
        headers=bearer("supervisor"),
    )
    assert declined.status_code == 409 and declined.json()["error"] == "no_extension_pending"
    bad = await sla.client.post(
        f"/v1/complaints/{no}/extensions", json=_request(extension="soon"), headers=bearer("agent", DEPT)
    )
    assert bad.status_code == 422
    no_clock = await sla.client.post(
        f"/v1/complaints/{no}/extensions",
        json=_request(stage="first_response"),
        headers=bearer("agent", DEPT),
    )
    assert no_clock.status_code == 409 and no_clock.json()["error"] == "no_running_clock"
    other = await sla.client.post(
        f"/v1/complaints/{no}/extensions", json=_request(), headers=bearer("agent", OTHER_DEPT)
    )
    assert other.status_code == 404


async def test_hold_and_resume_over_http(sla: Sla) -> None:
    no = await _accepted(sla, Grade.GENERAL)
    held = await sla.client.post(
        f"/v1/complaints/{no}/hold", json={"reason": "等待照片"}, headers=bearer("agent", DEPT)
    )
    assert held.status_code == 200, held.text
    await settled(sla.engine, sla.store, no)
    assert running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION).paused_at is not None
    again = await sla.client.post(
        f"/v1/complaints/{no}/hold", json={"reason": "x"}, headers=bearer("agent", DEPT)
    )
    assert again.status_code == 409 and again.json()["error"] == "already_on_hold"
    resumed = await sla.client.post(f"/v1/complaints/{no}/resume", json={}, headers=bearer("agent", DEPT))
    assert resumed.status_code == 200, resumed.text
    await settled(sla.engine, sla.store, no)
    assert running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION).paused_at is None
