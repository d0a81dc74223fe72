"""Two submissions of a person nobody knows yet, at the same moment: both register them, the
second one's link of the phone waits for the first to commit, then finds it taken. The second
then uses the first one's id and key (its own are dropped), and its duplicate check runs for
that id: one person, one key, and the second complaint is linked to the first."""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from services.intake.duplicates import DuplicateCheck
from services.intake.policy import load_policy
from services.intake.receive import receive
from services.intake.schemas import ComplaintSubmission
from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import Outcome
from shared.privacy.config import PrivacySettings

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

SUBMISSION: dict[str, Any] = {
    "channel": "hotline",
    "complainant_kind": "customer",
    "complainant": {"name": "陈晨", "phone": "13512345678"},
    "category": "product_quality",
    "subject": "热水器漏电",
    "content": "热水器外壳带电。",
}


async def test_the_second_takes_the_first_ones_id_and_key(new_database) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(await new_database(), pool_size=2)
    store = PostgresEventStore(engine)
    policy = load_policy()
    assert policy.duplicates is not None

    async def submit(conn: AsyncConnection) -> Outcome:
        return await receive(
            conn,
            store,
            ComplaintSubmission.model_validate(SUBMISSION),
            policy=policy,
            actor=Actor(role=Role.CHANNEL, id="test-channel"),
            clock=SystemClock(),
            zone=ZoneInfo("Asia/Shanghai"),
            privacy=PrivacySettings(),
            duplicates=DuplicateCheck(policy.duplicates),
        )

    try:
        async with engine.connect() as first_conn, engine.connect() as second_conn:
            await first_conn.begin()
            first = await submit(first_conn)  # registered, not committed yet
            second_conn_task = asyncio.create_task(_in_transaction(second_conn, submit))
            await asyncio.sleep(0.5)
            assert not second_conn_task.done()  # waiting on the phone's lookup row
            await first_conn.commit()
            second = await asyncio.wait_for(second_conn_task, 30)

        person = first.decided[0].complainant_id  # type: ignore[attr-defined]
        received = (await store.read_stream(second.complaint_no))[0]
        assert received.type == "ComplaintReceived" and received.payload["complainant_id"] == str(person)
        assert received.payload["personal_data"]["key_id"] == str(person)  # sealed with their key
        assert second.state.possible_duplicate_of == first.complaint_no
        async with engine.connect() as conn:
            keys = (
                (await conn.execute(text("SELECT complainant_id FROM privacy_complainant_keys")))
                .scalars()
                .all()
            )
            history = (
                await conn.execute(
                    text("SELECT complainant_ref, complaint_no FROM intake_complainant_history")
                )
            ).all()
        assert keys == [person]
        assert sorted(history) == sorted(
            [(str(person), first.complaint_no), (str(person), second.complaint_no)]
        )
    finally:
        await engine.dispose()


async def _in_transaction(conn: AsyncConnection, work: Any) -> Outcome:
    async with conn.begin():
        outcome: Outcome = await work(conn)
    return outcome
