"""An erasure races the complainant's complaints being written to (an acknowledgement, an
assignment): it is one transaction, so a lost race rolls it back whole and it is done again on
the streams' new versions; one that keeps losing answers 503 (busy), never a 500, and leaves
nothing half-done."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from services.intake.api import personal_data
from services.intake.main import create_app as create_intake
from shared.db.engine import create_engine
from shared.eventstore import ConcurrencyError
from shared.messaging.topics import ensure_topics
from shared.settings import Settings
from tests.support.auth import bearer
from tests.support.auth import test_tokens as tokens
from tests.support.running import running

pytestmark = pytest.mark.integration

SUBMISSION = {
    "channel": "hotline",
    "complainant_kind": "customer",
    "complainant": {"name": "司马青", "phone": "13955507788"},
    "category": "product_quality",
    "subject": "空调不制冷",
    "content": "空调不制冷，要求维修。",
}


def losing(times: int) -> tuple[Any, list[int]]:
    """erase_complainant that does all its work, then loses the race at the append ``times`` times."""
    real = personal_data.erase_complainant
    calls: list[int] = []

    async def erase(*args: Any, **kwargs: Any) -> Any:
        done = await real(*args, **kwargs)
        calls.append(1)
        if len(calls) <= times:
            raise ConcurrencyError(done.complaint_nos[0], 1, 2)
        return done

    return erase, calls


async def erased_events(settings: Settings, complaint_no: str) -> int:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        text(
                            "SELECT count(*) FROM events "
                            "WHERE stream_id = :no AND type = 'ComplainantDataErased'"
                        ),
                        {"no": complaint_no},
                    )
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_a_lost_race_is_erased_again_and_recorded_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_topics(settings)
    erase, calls = losing(times=2)
    monkeypatch.setattr(personal_data, "erase_complainant", erase)
    async with running(create_intake(settings, tokens=tokens())) as intake:
        submitted = await intake.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
        assert submitted.status_code == 202, submitted.text
        complaint_no = submitted.json()["complaint_no"]
        found = await intake.post(
            "/v1/complainants/lookup", json={"kind": "phone", "value": "13955507788"}, headers=bearer("admin")
        )
        erased = await intake.delete(
            f"/v1/complainants/{found.json()['complainant_id']}",
            params={"reason": "REQ-1"},
            headers=bearer("admin"),
        )
    assert erased.status_code == 200, erased.text
    assert len(calls) == 3
    assert await erased_events(settings, complaint_no) == 1


async def test_an_erasure_that_keeps_losing_answers_busy_and_changes_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_topics(settings)
    erase, _ = losing(times=personal_data.ERASE_ATTEMPTS)
    monkeypatch.setattr(personal_data, "erase_complainant", erase)
    async with running(create_intake(settings, tokens=tokens())) as intake:
        submitted = await intake.post("/v1/complaints", json=SUBMISSION, headers=bearer("channel"))
        complaint_no = submitted.json()["complaint_no"]
        lookup = {"kind": "phone", "value": "13955507788"}
        found = await intake.post("/v1/complainants/lookup", json=lookup, headers=bearer("admin"))
        complainant = found.json()["complainant_id"]
        busy = await intake.delete(
            f"/v1/complainants/{complainant}", params={"reason": "REQ-1"}, headers=bearer("admin")
        )
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "1"
        assert busy.json()["error"] == "busy" and busy.json()["message_zh"]
        # rolled back whole: the key is still there, nothing was appended
        still = await intake.post("/v1/complainants/lookup", json=lookup, headers=bearer("admin"))
        assert still.status_code == 200 and still.json()["complainant_id"] == complainant
    assert await erased_events(settings, complaint_no) == 0
