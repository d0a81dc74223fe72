"""Erasure (PIPL / GDPR): after an admin deletes a complainant's key, their personal data is
unreadable everywhere — APIs, read models rebuilt afterwards — and every hash chain verifies."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import text

from services.analytics.cli import run_rebuild
from services.analytics.main import create_app as create_analytics
from services.intake.main import create_app as create_intake
from shared.audit import verify
from shared.db.engine import create_engine
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens
from tests.support.running import eventually, running

pytestmark = pytest.mark.integration

NAME, PHONE, EMAIL, ADDRESS = "欧阳锋锐", "13955501234", "ouyang.fr@example.cn", "杭州市西湖区龙井路99号"
SECRETS = (NAME, PHONE, EMAIL, ADDRESS, "龙井路")


def submission(subject: str, phone: str) -> dict[str, Any]:
    return {
        "channel": "hotline",
        "complainant_kind": "customer",
        "complainant": {"name": NAME, "phone": phone, "email": EMAIL, "address": ADDRESS},
        "category": "product_quality",
        "subject": subject,
        "content": "空调不制冷，要求维修。",
    }


async def every_row_as_text(settings: Settings) -> str:
    """Every row of every table in the public schema, cast to text."""
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            tables = (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
                )
            ).scalars()
            parts = []
            for table in list(tables):
                rows = await conn.execute(text(f'SELECT t::text FROM "{table}" t'))
                parts.extend(rows.scalars())
            return "\n".join(parts)
    finally:
        await engine.dispose()


async def test_erasing_a_complainant_makes_their_data_unreadable_everywhere(settings: Settings) -> None:
    await ensure_topics(settings)
    intake_app = create_intake(settings, tokens=tokens())
    analytics_app = create_analytics(settings, tokens=tokens())
    async with running(intake_app) as intake, running(analytics_app) as analytics:
        numbers = []
        # the same person twice (the phone written differently): one complainant id, one key
        for subject, phone in (("空调不制冷", PHONE), ("维修未上门", "+86 139-5550-1234")):
            response = await intake.post(
                "/v1/complaints", json=submission(subject, phone), headers=bearer("channel")
            )
            assert response.status_code == 202, response.text
            numbers.append(response.json()["complaint_no"])

        async def projected(no: str, version: int | None = None) -> dict[str, Any] | None:
            response = await analytics.get(f"/v1/complaints/{no}", headers=bearer("supervisor"))
            if response.status_code != 200:
                return None
            body: dict[str, Any] = response.json()
            if version is not None and body["complaint"]["version"] < version:
                return None
            return body

        before = await eventually(lambda: projected(numbers[0]), what="the read model")
        assert before["complaint"]["complainant"]["name"] == NAME  # a supervisor sees it in full
        assert before["complaint"]["complainant"]["phone"] == PHONE
        masked = (await analytics.get(f"/v1/complaints/{numbers[0]}", headers=bearer("auditor"))).json()
        assert masked["complaint"]["complainant"]["name"] == "欧***"
        assert masked["complaint"]["complainant"]["phone"] == "139****1234"
        assert not any(secret in str(masked) for secret in SECRETS)

        # nothing stored in the clear, anywhere, even before the erasure
        stored = await every_row_as_text(settings)
        assert not [secret for secret in SECRETS if secret in stored]

        # the admin finds the pseudonymous id by phone (in the body, not the URL), then erases
        assert (
            await intake.post(
                "/v1/complainants/lookup",
                json={"kind": "phone", "value": PHONE},
                headers=bearer("supervisor"),
            )
        ).status_code == 403
        found = await intake.post(
            "/v1/complainants/lookup", json={"kind": "phone", "value": PHONE}, headers=bearer("admin")
        )
        assert found.status_code == 200, found.text
        complainant_id = found.json()["complainant_id"]
        assert found.json()["complaints"] == numbers
        erased = await intake.delete(
            f"/v1/complainants/{complainant_id}", params={"reason": "REQ-2026-0042"}, headers=bearer("admin")
        )
        assert erased.status_code == 200, erased.text
        assert erased.json()["complaints"] == numbers
        again = await intake.delete(
            f"/v1/complainants/{complainant_id}", params={"reason": "REQ-2026-0042"}, headers=bearer("admin")
        )
        assert again.status_code == 404 and again.json()["error"] == "not_found"
        lookup = await intake.post(
            "/v1/complainants/lookup", json={"kind": "email", "value": EMAIL}, headers=bearer("admin")
        )
        assert lookup.status_code == 404

        # every API shows it erased at once, even before the erasure event is projected
        for no in numbers:
            body = await projected(no)
            assert body is not None
            person = body["complaint"]["complainant"]
            assert person["status"] == "erased" and person["name"] is None and person["phone"] is None
            assert body["complaint"]["labels"]["complainant"] == {"zh-CN": "已删除", "en": "Erased"}
            assert not any(secret in str(body) for secret in SECRETS)
            after = await eventually(lambda no=no: projected(no, 3), what="the erasure on the timeline")
            assert "ComplainantDataErased" in [entry["type"] for entry in after["timeline"]]

    # a read model rebuilt from zero afterwards cannot open it either
    report = await run_rebuild(settings, batch=2)
    assert report.events >= 6
    async with running(create_analytics(settings, tokens=tokens())) as analytics:
        rebuilt = (await analytics.get(f"/v1/complaints/{numbers[1]}", headers=bearer("supervisor"))).json()
        assert rebuilt["complaint"]["complainant"]["status"] == "erased"
        page = (await analytics.get("/v1/complaints", headers=bearer("supervisor"))).json()
        assert {item["complainant"]["status"] for item in page["items"]} == {"erased"}

    # the history is untouched: every hash chain still verifies
    out = io.StringIO()
    assert await verify(settings, None, out) == 0, out.getvalue()
    assert not [secret for secret in SECRETS if secret in await every_row_as_text(settings)]
