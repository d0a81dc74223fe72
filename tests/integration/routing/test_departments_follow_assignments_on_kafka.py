"""A department follows its assignments on Kafka, as services/routing/README.md shows: the
assignments topic, keyed by the department now responsible, carrying the event envelope."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer

from shared.complaints.values import Category, ComplainantKind
from tests.integration.routing.conftest import Routing

pytestmark = pytest.mark.integration


async def follow(routing: Routing, department: str, wanted: int) -> list[dict[str, Any]]:
    """The README's consumer, stopping once ``wanted`` events of ``department`` arrived (and a
    moment later, to catch any that should not be there)."""
    consumer = AIOKafkaConsumer(
        routing.settings.topic_assignments,
        bootstrap_servers=routing.settings.kafka_bootstrap,
        group_id=f"desk-{department}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    events: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    try:
        while len(events) < wanted and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for record in records:
                    if record.key == department.encode():
                        events.append(json.loads(record.value))
            if batches:
                await consumer.commit()
        await asyncio.sleep(0.5)
        for records in (await consumer.getmany(timeout_ms=500)).values():
            events += [json.loads(r.value) for r in records if r.key == department.encode()]
    finally:
        await consumer.stop()
    return events


async def test_a_department_receives_what_it_now_owns(routing: Routing) -> None:
    pay, _ = await routing.assigned(complainant_kind=ComplainantKind.EMPLOYEE, category=Category.PAY_BENEFITS)
    product, _ = await routing.assigned(category=Category.PRODUCT_QUALITY)
    transfer = await routing.act(product, "transfer", {"to_department": "hr", "reason": "涉及员工行为"})
    assert transfer.status_code == 200

    events = await follow(routing, "hr", wanted=2)

    assert [(e["type"], e["stream_id"]) for e in events] == [
        ("ComplaintAssigned", pay),
        ("ComplaintTransferred", product),
    ]
    assigned = events[0]
    assert assigned["payload"] == {"department": "hr", "note": None, "rule": "employee-pay-and-performance"}
    assert assigned["stream_version"] == 2
    assert set(assigned) >= {"event_id", "occurred_at", "actor", "correlation_id", "causation_id", "payload"}
    assert events[1]["payload"]["to_department"] == "hr"
