"""An extension asked for a stage whose clock is not running is a 409 whose body is the documented
``CommandRefused`` (complaint number and stream version included), though nothing is recorded."""

from __future__ import annotations

import pytest

from shared.complaints import Grade
from shared.service.complaint_commands import CommandRefused
from tests.builders import DEPT
from tests.integration.sla.conftest import Sla
from tests.integration.sla.support import settled
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_the_409_body_is_a_command_refusal(sla: Sla) -> None:
    no = await sla.complaints.receive(Grade.GENERAL)
    await sla.complaints.assign(no, DEPT)
    await sla.complaints.accept(no, DEPT)
    await settled(sla.engine, sla.store, no)
    recorded = len(await sla.complaints.types(no))
    response = await sla.client.post(
        f"/v1/complaints/{no}/extensions",
        json={
            "stage": "first_response",  # stopped by the acceptance
            "extension": "P1D",
            "reason": "等待供应商检测报告",
            "consent": {"via": "phone", "at": "2026-01-01T10:00:00+08:00"},
        },
        headers=bearer("agent", DEPT),
    )
    assert response.status_code == 409
    refused = CommandRefused.model_validate(response.json())
    assert refused.error == "no_running_clock" and refused.complaint_no == no
    assert refused.stream_version == recorded
    assert len(await sla.complaints.types(no)) == recorded  # nothing recorded
