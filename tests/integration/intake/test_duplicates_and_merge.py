"""The same complainant about the same subject within the window is linked, not merged; a
supervisor merges, and the merged stream points to the surviving one."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from tests.integration.intake.conftest import Intake
from tests.support.auth import bearer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


def by_phone(phone: str, subject: str = "洗衣机漏水") -> dict[str, object]:
    return {
        "channel": "hotline",
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": phone},
        "category": "product_quality",
        "subject": subject,
        "content": "购买两周的洗衣机底部漏水。",
    }


def a_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


async def submit(intake: Intake, body: dict[str, object]) -> dict[str, object]:
    response = await intake.client.post("/v1/complaints", json=body, headers=bearer("channel"))
    assert response.status_code == 202, response.text
    result: dict[str, object] = response.json()
    return result


async def test_the_same_complainant_and_subject_is_linked_not_merged(intake: Intake) -> None:
    phone = a_phone()
    first = await submit(intake, by_phone(phone))
    # the same person, written differently (+86, spaces), about the same subject (punctuation)
    second = await submit(intake, by_phone(f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}", "洗衣机 漏水！"))
    other_subject = await submit(intake, by_phone(phone, "快递员态度恶劣"))
    other_person = await submit(intake, by_phone(a_phone()))

    assert first["possible_duplicate_of"] is None
    assert second["possible_duplicate_of"] == first["complaint_no"]
    assert second["stream_version"] == 2
    assert other_subject["possible_duplicate_of"] is None
    assert other_person["possible_duplicate_of"] is None

    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        records = await PostgresEventStore(engine).read_stream(str(second["complaint_no"]))
        assert [r.type for r in records][:2] == ["ComplaintReceived", "ComplaintLinkedAsPossibleDuplicate"]
        link = records[1].payload
        assert link["of"] == first["complaint_no"]
        assert link["rule"] == "same-complainant-same-subject" and link["window_days"] == 7
        assert link["similarity"] == 1.0
        async with engine.connect() as conn:
            stored = (await conn.execute(text("SELECT * FROM intake_complainant_history"))).all()
        assert stored and not any(phone in str(tuple(row)) for row in stored)  # only keyed hashes
    finally:
        await engine.dispose()


async def test_anonymous_complaints_are_never_linked(intake: Intake) -> None:
    body = {
        "channel": "employee_platform",
        "complainant_kind": "employee",
        "anonymous": True,
        "category": "work_environment",
        "subject": "仓库通风差",
        "content": "夏天仓库闷热。",
    }
    headers = bearer("supervisor")
    first = await intake.client.post("/v1/complaints", json=body, headers=headers)
    again = await intake.client.post("/v1/complaints", json=body, headers=headers)
    assert first.status_code == again.status_code == 202, again.text
    assert again.json()["possible_duplicate_of"] is None


async def test_a_supervisor_merges_a_duplicate_into_the_surviving_complaint(intake: Intake) -> None:
    phone = a_phone()
    survivor = str((await submit(intake, by_phone(phone)))["complaint_no"])
    duplicate = str((await submit(intake, by_phone(phone)))["complaint_no"])
    url = f"/v1/complaints/{duplicate}/merge"
    body = {"into": survivor, "reason": "同一投诉人重复来电"}

    agent = await intake.client.post(url, json=body, headers=bearer("agent", "quality"))
    assert agent.status_code == 403

    merged = await intake.client.post(url, json=body, headers=bearer("supervisor"))
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged"
    assert merged.json()["events"] == ["ComplaintMerged"]

    again = await intake.client.post(url, json=body, headers=bearer("supervisor"))
    assert again.status_code == 409 and again.json()["error"] == "already_closed"

    engine = create_engine(intake.settings.database_url, pool_size=1)
    try:
        records = await PostgresEventStore(engine).read_stream(duplicate)
        merge_event = next(r for r in records if r.type == "ComplaintMerged")
        assert merge_event.payload["into"] == survivor
        assert merge_event.actor.role == "supervisor"
        survivor_events = await PostgresEventStore(engine).read_stream(survivor)
        recorded = next(r for r in survivor_events if r.type == "DuplicateMergedInto")
        assert recorded.payload["duplicate"] == duplicate
    finally:
        await engine.dispose()


async def test_merges_that_make_no_sense_are_refused(intake: Intake) -> None:
    phone = a_phone()
    survivor = str((await submit(intake, by_phone(phone)))["complaint_no"])
    duplicate = str((await submit(intake, by_phone(phone)))["complaint_no"])
    third = str((await submit(intake, by_phone(phone)))["complaint_no"])
    headers = bearer("supervisor")

    async def merge(no: str, into: str) -> tuple[int, str]:
        response = await intake.client.post(
            f"/v1/complaints/{no}/merge", json={"into": into, "reason": "重复"}, headers=headers
        )
        return response.status_code, response.json().get("error", "")

    assert await merge(duplicate, duplicate) == (409, "merge_into_self")
    assert await merge(duplicate, "TS-19990101-999999") == (409, "merge_target_unknown")
    assert (await merge(duplicate, survivor))[0] == 200
    assert await merge(third, duplicate) == (409, "merge_target_final")
    assert (await merge("TS-19990101-999998", survivor))[0] == 404
    bad = await intake.client.post(f"/v1/complaints/{third}/merge", json={"into": survivor}, headers=headers)
    assert bad.status_code == 422


async def test_who_may_submit_on_each_channel(intake: Intake) -> None:
    employee = {
        "channel": "employee_mailbox",
        "complainant_kind": "employee",
        "complainant": {"name": "陈静", "employee_id": "E1024"},
        "category": "pay_benefits",
        "subject": "加班费未发",
        "content": "十月加班费未发放。",
    }
    refused = await intake.client.post("/v1/complaints", json=employee, headers=bearer("channel"))
    assert refused.status_code == 403
    body = refused.json()
    assert body["error"] == "channel_not_allowed"
    assert body["channel"] == "employee_mailbox" and body["role"] == "channel"
    assert body["message_zh"]

    letter = {**employee, "channel": "letter"}
    by_channel = await intake.client.post("/v1/complaints", json=letter, headers=bearer("channel"))
    by_agent = await intake.client.post("/v1/complaints", json=letter, headers=bearer("agent", "hr"))
    assert by_channel.status_code == 403
    assert by_agent.status_code == 202, by_agent.text
