"""Events appended to the store reach the read model through the relay, Kafka and the consumer."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.complaints import Status
from tests.builders import TEST_KEY, a_complainant, agent, complainant_id_of, progress
from tests.integration.analytics.conftest import Analytics, history_to, new_number, then
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


async def test_a_complaints_events_become_its_row_and_timeline(analytics: Analytics) -> None:
    no = new_number()
    history = then(history_to(Status.ACCEPTED, no), progress(by=agent("quality")))
    version = await analytics.put(no, history)
    assert version == 4
    await analytics.projected({no: 4})

    row = await analytics.row(no)
    types = await analytics.timeline(no)
    expected = await analytics.expected_row(no)
    assert row == expected
    assert row["status"] == "in_progress" and row["department"] == "quality" and row["agent"] == "agent-1"
    assert row["complainant_id"] == complainant_id_of(a_complainant())
    assert row["personal_data"]["alg"] == "AES-256-GCM"  # ciphertext only, opened at read time
    assert types == ["ComplaintReceived", "ComplaintAssigned", "ComplaintAccepted", "ProgressRecorded"]


async def test_the_api_shows_the_state_and_the_full_timeline(analytics: Analytics) -> None:
    no = new_number()
    await analytics.put(no, history_to(Status.CLOSED, no))
    await analytics.projected({no: 7})

    response = await analytics.client.get(f"/v1/complaints/{no}", headers=bearer("auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    complaint, timeline = body["complaint"], body["timeline"]
    assert complaint["complaint_no"] == no and complaint["version"] == 7
    assert complaint["status"] == "closed" and complaint["open"] is False
    assert complaint["close_reason"] == "satisfied"
    assert complaint["labels"]["status"] == {"zh-CN": "已结案", "en": "Closed"}
    assert complaint["labels"]["close_reason"]["en"] == "Complainant satisfied"
    assert complaint["feedback"] == {"satisfied": True, "score": 5, "acknowledged": False}
    assert complaint["received_at"] == {"utc": "2026-01-05T01:00:00Z", "local": "2026-01-05T09:00:00+08:00"}
    assert [entry["stream_version"] for entry in timeline] == list(range(1, 8))
    assert [entry["type"] for entry in timeline] == [
        "ComplaintReceived",
        "ComplaintAssigned",
        "ComplaintAccepted",
        "ProgressRecorded",
        "ComplaintResolved",
        "FeedbackReceived",
        "ComplaintClosed",
    ]
    assert timeline[0]["title"] == {"zh-CN": "受理投诉", "en": "Complaint received"}
    assert timeline[0]["summary"]["subject"] == "洗衣机漏水"
    assert timeline[1]["actor"] == {
        "role": "service",
        "role_label": {"zh-CN": "系统服务", "en": "Service"},
        "id": "routing",
        "department": None,
    }
    assert timeline[5]["actor"]["id"] is None  # the complainant
    assert timeline[5]["summary"] == {
        "acknowledged": False,
        "satisfied": True,
        "score": 5,
        "channel": "phone",
    }


async def test_no_contact_data_or_free_text_reaches_the_read_model(analytics: Analytics) -> None:
    no = new_number()
    jane = a_complainant(name="Jane Doe", phone="13812345678", email="jane@example.com")
    history = history_to(Status.RESOLVED, no, complainant=jane)
    version = await analytics.put(no, history)
    await analytics.projected({no: version})

    async with analytics.engine.connect() as conn:
        stored = " ".join(
            (
                await conn.execute(
                    text(
                        "SELECT c::text FROM analytics_complaints c WHERE complaint_no = :n "
                        "UNION ALL SELECT t::text FROM analytics_timeline t WHERE complaint_no = :n"
                    ),
                    {"n": no},
                )
            ).scalars()
        )
    assert "AES-256-GCM" in stored
    free_text = ("新买的洗衣机", "已联系客户上门检测", "更换进水管", "进水管接头")
    for secret in ("Jane", "J*******", "13812345678", "138****5678", "jane@example.com", *free_text):
        assert secret not in stored, secret

    # opened at read time through the key table: in full for a supervisor, masked for an operator
    async with analytics.engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO privacy_complainant_keys VALUES (:id, :key, now()) ON CONFLICT DO NOTHING"),
            {"id": complainant_id_of(jane), "key": TEST_KEY},
        )
    url = f"/v1/complaints/{no}"
    shown = (await analytics.client.get(url, headers=bearer("supervisor"))).json()["complaint"]
    assert shown["complainant"]["name"] == "Jane Doe" and shown["complainant"]["phone"] == "13812345678"
    masked = (await analytics.client.get(url, headers=bearer("operator"))).json()["complaint"]
    assert masked["complainant"]["name"] == "J*******" and masked["complainant"]["phone"] == "138****5678"
    assert masked["complainant_display"] == "J*******"
    for secret in ("Jane", "13812345678", "jane@example.com", "新买的洗衣机"):
        assert secret not in str(masked), secret
