"""The live stream tells an agent of the complaints its department leads or co-operates on (协同):
a notification naming it among the co-operating departments reaches it; another department's
does not."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.analytics.live.hub import LiveHub, stream
from shared.events import Role
from shared.service.auth import Principal

pytestmark = pytest.mark.unit


def notification(no: str, lead: str, cooperating: list[str]) -> dict[str, Any]:
    return {"complaint_no": no, "version": 3, "status": "in_progress", "department": lead,
            "cooperating": cooperating, "type": "CooperationRequested"}  # fmt: skip


async def test_a_cooperating_department_hears_of_the_complaint() -> None:
    hub = LiveHub(cast(AsyncEngine, None))
    agent = Principal(subject="agent-logistics", role=Role.AGENT, department="logistics")
    events = stream(hub, agent, keepalive=60)
    assert (await anext(events)).startswith(b"event: hello")

    hub.publish(notification("TS-1", "quality", ["after_sales"]))
    hub.publish(notification("TS-2", "quality", ["logistics"]))
    hub.publish(notification("TS-3", "logistics", []))

    heard = [await anext(events), await anext(events)]
    await events.aclose()
    assert [b"TS-2" in heard[0], b"TS-3" in heard[1]] == [True, True]
