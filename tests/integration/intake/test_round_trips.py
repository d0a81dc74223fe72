"""How many round trips to PostgreSQL receiving a complaint takes, counted on the wire
by a proxy, with the packaged policy (recurrence rule and duplicate check on):

* a submission with a new complaint number: BEGIN, one statement for the number, the recurrence
  count and memory, the complainant's key and the duplicate check's history, the append, COMMIT;
  whether the complainant is new or known;
* linked as a possible duplicate: one more, the link's append (no stream read);
* anonymous: no complainant, the same four.

And what it records is what it recorded before: the number's format, the recurrence count, the
same person's id and key, the link.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from sqlalchemy import text

from services.intake.duplicates import DuplicateCheck
from services.intake.numbers import SEQUENCE_SQL, format_number
from services.intake.policy import GradingPolicy, load_policy
from services.intake.receive import receive
from services.intake.schemas import ComplaintSubmission
from shared.clock import SystemClock
from shared.db.engine import create_engine
from shared.events import Actor, Role
from shared.eventstore import PostgresEventStore
from shared.eventstore.complaint_handling import Outcome
from shared.privacy.config import PrivacySettings
from tests.support.round_trips import RoundTrips, counting_round_trips

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ZONE = ZoneInfo("Asia/Shanghai")
CHANNEL = Actor(role=Role.CHANNEL, id="test-channel")


@dataclass
class Wire:
    proxy: RoundTrips
    store: PostgresEventStore
    policy: GradingPolicy

    async def submit(self, **changes: Any) -> tuple[Outcome, int]:
        """Receive one submission in its own transaction; its outcome and round trips."""
        body: dict[str, Any] = {
            "channel": "hotline",
            "complainant_kind": "customer",
            "complainant": {"name": "张伟", "phone": "13812345678"},
            "category": "product_quality",
            "subject": "洗衣机漏水",
            "content": "购买两周的洗衣机底部漏水。",
            "product_refs": ["WM-2031"],
        }
        body.update(changes)
        submission = ComplaintSubmission.model_validate({k: v for k, v in body.items() if v is not None})
        before = self.proxy.count
        async with self.store.engine.begin() as conn:
            outcome = await receive(
                conn,
                self.store,
                submission,
                policy=self.policy,
                actor=CHANNEL,
                clock=SystemClock(),
                zone=ZONE,
                privacy=PrivacySettings(),
                duplicates=DuplicateCheck(self.policy.duplicates) if self.policy.duplicates else None,
            )
        return outcome, self.proxy.count - before


@pytest_asyncio.fixture(loop_scope="session")
async def wire(new_database) -> AsyncIterator[Wire]:  # type: ignore[no-untyped-def]
    async with counting_round_trips(await new_database()) as (proxy, url):
        engine = create_engine(url, pool_size=1)
        try:
            wire = Wire(proxy, PostgresEventStore(engine), load_policy())
            # one connection: every statement shape is prepared (and its types looked up) once
            for shape in range(3):
                await wire.submit(
                    complainant={"name": "预热", "phone": f"1390000000{shape}"}, subject=f"预热{shape}"
                )
            await wire.submit(complainant=None, anonymous=True, complainant_kind="employee")
            await wire.submit(subject="预热 duplicate", complainant={"name": "预热", "phone": "13900000000"})
            yield wire
        finally:
            await engine.dispose()


async def test_a_new_complainant_takes_four_round_trips(wire: Wire) -> None:
    outcome, trips = await wire.submit(complainant={"name": "李娜", "phone": "13700000001"})
    assert outcome.rejection is None and outcome.stream_version == 1
    assert trips == 4  # BEGIN, the admission statement, tousu_append, COMMIT


async def test_a_known_complainant_keeps_their_id_in_four_round_trips(wire: Wire) -> None:
    first, _ = await wire.submit(complainant={"name": "王芳", "phone": "13700000002"}, subject="空调不制冷")
    # the same person by another spelling of the phone, and a new email that joins them
    again, trips = await wire.submit(
        complainant={"name": "王芳", "phone": "+86 137-0000-0002", "email": "wang.fang@example.com"},
        subject="快递破损",
    )
    assert trips == 4
    received = [e for e in again.decided if type(e).__name__ == "ComplaintReceived"]
    assert received and received[0].complainant_id == first.decided[0].complainant_id  # type: ignore[attr-defined]
    # the email is now theirs: a third submission by email alone finds the same person
    third, _ = await wire.submit(
        channel="email", complainant={"name": "王芳", "email": "WANG.FANG@example.com"}, subject="门店服务"
    )
    assert third.decided[0].complainant_id == first.decided[0].complainant_id  # type: ignore[attr-defined]


async def test_a_possible_duplicate_costs_one_more_round_trip(wire: Wire) -> None:
    person = {"name": "赵强", "phone": "13700000003"}
    first, _ = await wire.submit(complainant=person, subject="冰箱噪音大")
    linked, trips = await wire.submit(complainant=person, subject="冰箱 噪音大！")
    assert trips == 5  # + the link's append, without reading the stream again
    assert linked.stream_version == 2
    assert linked.state.possible_duplicate_of == first.complaint_no


async def test_an_anonymous_submission_takes_four_round_trips(wire: Wire) -> None:
    outcome, trips = await wire.submit(complainant=None, anonymous=True, complainant_kind="employee")
    assert outcome.rejection is None and outcome.decided[0].complainant_id is None  # type: ignore[attr-defined]
    assert trips == 4


async def test_the_recurrence_rule_still_counts(wire: Wire) -> None:
    rule = wire.policy.recurrence
    assert rule is not None and rule.count == 3
    grades = []
    for n in range(rule.count):
        outcome, _ = await wire.submit(
            complainant={"name": "孙丽", "phone": f"1360000000{n}"},
            subject=f"电视黑屏 {n}",
            product_refs=["TV-77"],
        )
        grades.append(outcome.state.grade)
    assert grades[-1] == rule.grade and grades[0] != rule.grade


async def test_numbers_are_formatted_as_before(wire: Wire) -> None:
    outcome, _ = await wire.submit(complainant={"name": "周杰", "phone": "13700000004"})
    sequence = int(outcome.complaint_no.rsplit("-", 1)[1])
    received_at = outcome.decided[0].received_at  # type: ignore[attr-defined]
    assert outcome.complaint_no == format_number(sequence, received_at, ZONE)
    async with wire.store.engine.connect() as conn:
        for value in (1, 42, 999_999, 1_000_000, 123_456_789):
            sql = SEQUENCE_SQL.format(seq="CAST(:v AS bigint)")
            assert (await conn.execute(text(f"SELECT {sql}"), {"v": value})).scalar_one() == f"{value:06d}"
