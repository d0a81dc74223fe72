"""A superuser swaps two events' places in the store's commit order (their transactions): no chain
notices; the checkpoint names both."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_both_moved_events_are_named(audited: Audited) -> None:
    await audited.checkpoint()
    events = await audited.events()
    first, second = events[0], events[1]  # two streams' first events, appended one after the other
    assert first.tx_id != second.tx_id

    swap = "UPDATE events SET tx_id = $2 WHERE event_id = $1"
    await audited.as_superuser((swap, (first.event_id, second.tx_id)), (swap, (second.event_id, first.tx_id)))

    assert (await audited.store.verify()).ok
    code, out = await audited.verify()
    assert code == 1, out
    lines = [line for line in out.splitlines() if line.startswith("REORDERED:")]
    assert len(lines) == 2, out
    moved = next(line for line in lines if str(first.event_id) in line)
    assert f"transaction {first.tx_id} in checkpoint 1" in moved
    assert moved.endswith(f"transaction {second.tx_id}")
