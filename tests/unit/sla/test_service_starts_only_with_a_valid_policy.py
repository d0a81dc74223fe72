"""The sla service validates its policy when it is built, and publishes its API's contract."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.sla.config import SlaConfig
from services.sla.main import create_app
from services.sla.policy import PolicyError
from shared.settings import Settings
from tests.support.auth import test_tokens as known_tokens

pytestmark = pytest.mark.unit


def test_a_bad_policy_stops_the_service_before_it_starts(tmp_path: Path) -> None:
    bad = tmp_path / "sla.yaml"
    bad.write_text("grades:\n  general: {first_response: soon, resolution: PT72H}\n", encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        create_app(Settings(), tokens=known_tokens(), config=SlaConfig(policy_file=bad))
    message = str(refused.value)
    assert str(bad) in message
    assert "grades.general.first_response" in message
    assert "grades.urgent: missing" in message


def test_the_api_contract_describes_every_field() -> None:
    app = create_app(Settings(), tokens=known_tokens(), config=SlaConfig(policy_file=None))
    schema = app.openapi()
    assert {"/v1/deadlines", "/v1/complaints/{complaint_no}/deadlines"} <= set(schema["paths"])
    assert {
        "/v1/complaints/{complaint_no}/hold",
        "/v1/complaints/{complaint_no}/resume",
        "/v1/complaints/{complaint_no}/extensions",
        "/v1/complaints/{complaint_no}/extensions/{stage}/approve",
        "/v1/complaints/{complaint_no}/extensions/{stage}/decline",
        "/v1/admin/sla/policy/reload",
    } <= set(schema["paths"])
    bodies = (
        "HoldRequest",
        "ResumeRequest",
        "ExtensionRequest",
        "Consent",
        "ApproveRequest",
        "DeclineRequest",
    )
    for name in ("DeadlineView", "DeadlinePage", "ComplaintDeadlines", "PolicyReloaded", *bodies):
        properties = schema["components"]["schemas"][name]["properties"]
        undocumented = [field for field, spec in properties.items() if not spec.get("description")]
        assert not undocumented, f"{name}: {undocumented}"
    parameters = schema["paths"]["/v1/deadlines"]["get"]["parameters"]
    assert all(p.get("description") for p in parameters if p["in"] == "query")
