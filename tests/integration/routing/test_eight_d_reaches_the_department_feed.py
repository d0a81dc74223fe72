"""A severe complaint's 8D case reaches the responsible department's feed on Kafka
(tousu.department.assignments, keyed by department): handed over after the assignment when the
case opened at receipt, and to the new department after a transfer."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from shared.complaints.stages.eight_d import EightDCaseOpened
from shared.complaints.values import Category, EightDTrigger, Grade
from shared.eventstore import NO_STREAM
from tests.builders import as_new, new_complaint_no, received
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration


async def eight_d_on_the_feed(routing: Routing, department: str, complaint_no: str) -> list[dict[str, Any]]:
    """The 8D events of ``complaint_no`` keyed by ``department``, once both hand-overs arrived."""
    consumer = AIOKafkaConsumer(
        routing.settings.topic_assignments,
        bootstrap_servers=routing.settings.kafka_bootstrap,
        group_id=f"desk-8d-{department}-{complaint_no}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    try:
        while not found and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    event = json.loads(record.value)
                    mine = record.key == department.encode() and event["stream_id"] == complaint_no
                    if mine and event["type"].startswith("EightD"):
                        found.append(event)
    finally:
        await consumer.stop()
    return found


async def test_the_case_follows_the_complaint_to_its_department(routing: Routing) -> None:
    no = new_complaint_no()
    complaint = received(complaint_no=no, grade=Grade.SEVERE, category=Category.PRODUCT_QUALITY)
    opened = EightDCaseOpened(case=1, cause=EightDTrigger.SEVERE_GRADE, grade=Grade.SEVERE)
    await routing.store.append(no, NO_STREAM, [as_new(complaint), as_new(opened)])
    department = (await routing.assignment(no)).payload["department"]

    first = await eight_d_on_the_feed(routing, department, no)
    moved = await routing.act(
        no, "transfer", {"to_department": "after_sales", "reason": "属售后"}, role="supervisor"
    )
    assert moved.status_code == 200, moved.text
    second = await eight_d_on_the_feed(routing, "after_sales", no)

    assert [(e["type"], e["payload"]["department"]) for e in first] == [("EightDCaseHandedOver", department)]
    assert second[0]["payload"] == {"case": 1, "department": "after_sales", "from_department": department}
