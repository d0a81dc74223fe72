"""Extensions are bounded by the policy, per stage (max_extension: the most approved extensions
may add to one clock; resolution P10D by default): a request past it is a 422 naming
`extension`, saying the maximum and what is left, and nothing is recorded; so is a duration past
any bound (P99999999D) and a consent instant with no UTC equivalent. Approving an extension after
the maximum was lowered is a 409. An over-long extension approved before these bounds existed
moves the clock as far as any may, rather than dead-lettering while the stream says approved."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from services.sla.policy import LONGEST
from shared.complaints import Grade, SlaStage
from tests.builders import DEPT, approve_extension, request_extension, supervisor
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import WALL_CLOCK_POLICY, deadlines, running_clock, settled
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


def _request(extension: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stage": "resolution",
        "extension": extension,
        "reason": "等待供应商检测报告",
        "consent": {"via": "phone", "at": "2026-01-01T10:00:00+08:00"},
    }
    return {**body, **changes}


async def _accepted(sla: Sla) -> str:
    no = await sla.complaints.receive(Grade.GENERAL)  # resolution PT72H, 24×7 in these tests
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await settled(sla.engine, sla.store, no)
    return no


async def _ask(sla: Sla, no: str, body: dict[str, Any]) -> Any:
    return await sla.client.post(f"/v1/complaints/{no}/extensions", json=body, headers=bearer("agent", DEPT))


def _refused_field(response: Any, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert [e["field"] for e in body["errors"]] == [field]
    return body


async def test_a_request_past_the_stage_maximum_is_422(sla: Sla) -> None:
    no = await _accepted(sla)
    before = await sla.complaints.types(no)
    refused = _refused_field(await _ask(sla, no, _request("P10DT1H")), "extension")
    assert refused["error"] == "extension_over_maximum"
    assert refused["max_extension"] == "P10D" and refused["approved_extension"] is None
    assert "P10D" in refused["message"] and "P10D" in refused["message_zh"]
    assert await sla.complaints.types(no) == before  # nothing recorded

    asked = await _ask(sla, no, _request("P6D"))
    assert asked.status_code == 200, asked.text
    approved = await sla.client.post(
        f"/v1/complaints/{no}/extensions/resolution/approve", json={}, headers=bearer("supervisor")
    )
    assert approved.status_code == 200, approved.text
    await settled(sla.engine, sla.store, no)

    more = _refused_field(await _ask(sla, no, _request("P5D")), "extension")  # 6 + 5 > 10
    assert more["approved_extension"] == "P6D" and "P4D" in more["message"]
    assert (await _ask(sla, no, _request("P4D"))).status_code == 200


async def test_hours_are_compared_with_a_maximum_in_days_as_the_clock_counts_them(sla: Sla) -> None:
    """On these 24×7 clocks PT240H is as long as the maximum P10D, PT241H longer; days and hours
    are not folded into each other, but counted the way the clock counts."""
    no = await _accepted(sla)
    refused = _refused_field(await _ask(sla, no, _request("PT241H")), "extension")
    assert refused["error"] == "extension_over_maximum" and refused["max_extension"] == "P10D"
    assert (await _ask(sla, no, _request("PT240H"))).status_code == 200


@pytest.mark.parametrize("extension", ["P99999999D", "P99999999999999D", "PT999999999999H"])
async def test_an_unbounded_duration_is_422(sla: Sla, extension: str) -> None:
    no = await _accepted(sla)
    refused = _refused_field(await _ask(sla, no, _request(extension)), "extension")
    assert refused["error"] == "invalid_request"
    assert f"P{LONGEST.days}D" in refused["errors"][0]["message"]


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1999-12-31T23:00:00Z"]
)
async def test_a_consent_instant_out_of_range_is_422(sla: Sla, at: str) -> None:
    no = await _accepted(sla)
    body = _request("P1D", consent={"via": "phone", "at": at})
    refused = _refused_field(await _ask(sla, no, body), "consent.at")
    assert refused["error"] == "invalid_request"


async def test_approving_after_the_maximum_was_lowered_is_409(sla: Sla, tmp_path: Path) -> None:
    no = await _accepted(sla)
    assert (await _ask(sla, no, _request("P3D"))).status_code == 200
    lowered = tmp_path / "policy.yaml"
    lowered.write_text(
        WALL_CLOCK_POLICY.read_text(encoding="utf-8") + "\nmax_extension:\n  resolution: P2D\n",
        encoding="utf-8",
    )
    admin = bearer("admin")
    sla.control.policy_file = lowered
    try:
        assert (await sla.client.post("/v1/admin/sla/policy/reload", headers=admin)).status_code == 200
        refused = await sla.client.post(
            f"/v1/complaints/{no}/extensions/resolution/approve", json={}, headers=bearer("supervisor")
        )
    finally:
        sla.control.policy_file = WALL_CLOCK_POLICY
        assert (await sla.client.post("/v1/admin/sla/policy/reload", headers=admin)).status_code == 200
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "extension_over_maximum" and body["max_extension"] == "P2D"
    assert body["complaint_no"] == no and body["message_zh"]
    assert (await sla.complaints.types(no))[-1] == "SlaExtensionRequested"  # still pending


async def test_an_over_long_extension_approved_earlier_moves_the_clock_as_far_as_any_may(sla: Sla) -> None:
    no = await _accepted(sla)
    before = running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION)
    now = sla.clock.now()
    # as stored before requests were bounded: the domain itself never knew the policy's maximum
    await sla.complaints.do(no, request_extension(when=now, extension=timedelta(days=99_999_999)))
    await sla.complaints.do(no, approve_extension(by=supervisor(), when=now))
    await settled(sla.engine, sla.store, no)

    after = running_clock(await deadlines(sla.engine, no), SlaStage.RESOLUTION)
    assert after.extension == LONGEST
    assert after.due_at == before.due_at + LONGEST.total()
    async with sla.engine.connect() as conn:
        letters = await conn.scalar(
            text("SELECT count(*) FROM dead_letters WHERE stream_id = :no"), {"no": no}
        )
    assert letters == 0
