"""GET /metrics counts this service's dead letters by consumer and status (read at scrape time),
and each consumer's outcomes, filled and passed_over included, and what it caught up."""

from __future__ import annotations

import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.dead_letters.conftest import OTHER_CONSUMER, Harness, Note
from tests.support.auth import bearer
from tests.support.running import eventually

pytestmark = pytest.mark.integration

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def letters(samples: Samples, consumer: str) -> dict[str, float]:
    return {
        dict(labels)["status"]: value
        for (name, labels), value in samples.items()
        if name == "tousu_dead_letters" and dict(labels)["consumer"] == consumer
    }


async def test_metrics_count_dead_letters_by_status(harness: Harness) -> None:
    events, notes = harness.events.name, harness.notes.name
    await harness.foreign_letter()  # another service's: not counted here
    samples = await scrape(harness.client)
    zero = {"open": 0, "retrying": 0, "resolved": 0, "discarded": 0}
    assert letters(samples, events) == zero
    assert letters(samples, notes) == zero
    assert letters(samples, OTHER_CONSUMER) == {}

    event = await harness.store_event()
    await harness.store_ignored_event()
    note = Note(note_id=uuid.uuid4().hex, text="hello")
    await harness.publish_note(note)
    event_letter = await harness.letter_for(harness.events, str(event.event_id))
    note_letter = await harness.letter_for(harness.notes, f"note:{note.note_id}")

    async def counted() -> Samples | None:
        found = await scrape(harness.client)
        passed = found.get(
            ("tousu_consumer_messages_total", (("consumer", events), ("outcome", "passed_over")))
        )
        return found if passed == 1 else None

    samples = await eventually(counted, what="the ignored event passed over")
    assert letters(samples, events) == {**zero, "open": 1}
    assert letters(samples, notes) == {**zero, "open": 1}
    outcomes = {
        dict(labels)["outcome"]: value
        for (name, labels), value in samples.items()
        if name == "tousu_consumer_messages_total" and dict(labels)["consumer"] == events
    }
    assert set(outcomes) == {"processed", "duplicate", "dead_lettered", "filled", "passed_over"}
    assert (outcomes["dead_lettered"], outcomes["passed_over"]) == (1, 1)
    # (0 unless Kafka was slower than the grace and the catch-up loop took an event first)
    assert ("tousu_consumer_caught_up_total", (("consumer", events),)) in samples
    assert ("tousu_consumer_caught_up_total", (("consumer", notes),)) in samples

    harness.broken.discard(str(event.event_id))
    admin = bearer("admin")
    await harness.client.post(f"/v1/admin/dead-letters/{event_letter.id}/retry", headers=admin)
    await harness.client.post(
        f"/v1/admin/dead-letters/{note_letter.id}/discard", headers=admin, json={"reason": "OPS-4"}
    )
    await harness.settled(event_letter.id, "resolved")
    samples = await scrape(harness.client)
    assert letters(samples, events) == {**zero, "resolved": 1}
    assert letters(samples, notes) == {**zero, "discarded": 1}
