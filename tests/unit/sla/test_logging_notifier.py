"""The default notifier writes one log line per notification, with codes only: no personal data."""

from __future__ import annotations

import logging

import pytest

from services.sla.notifier import LoggingNotifier, Notification, NotificationKind
from shared.complaints import SlaStage
from tests.builders import DEPT, T0

pytestmark = pytest.mark.unit


async def test_an_escalation_is_logged_with_codes_only(caplog: pytest.LogCaptureFixture) -> None:
    notification = Notification(
        kind=NotificationKind.ESCALATION,
        complaint_no="TS-20260105-000001",
        stage=SlaStage.RESOLUTION,
        to_role="operations_manager",
        department=DEPT,
        deadline=T0,
        level=2,
    )
    with caplog.at_level(logging.INFO, logger="services.sla.notifier"):
        await LoggingNotifier().notify(notification)
    [record] = caplog.records
    logged = {key: getattr(record, key) for key in ("kind", "complaint_no", "stage", "to_role", "level")}
    assert logged == {
        "kind": "escalation",
        "complaint_no": "TS-20260105-000001",
        "stage": "resolution",
        "to_role": "operations_manager",
        "level": 2,
    }
    # A notification has no field for a name, a phone number or the complaint's text at all.
    assert set(Notification.__dataclass_fields__) == {
        "kind",
        "complaint_no",
        "stage",
        "to_role",
        "department",
        "deadline",
        "level",
    }
