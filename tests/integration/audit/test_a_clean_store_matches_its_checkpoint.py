"""A store nobody touched matches its signed checkpoint; events after it count as chain-only."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import EVENTS_PER_STREAM, STREAMS, Audited

pytestmark = pytest.mark.integration


async def test_a_clean_store_passes_and_later_events_are_chain_only(audited: Audited) -> None:
    [path] = await audited.checkpoint()
    assert path.name == "000001.json"

    code, out = await audited.verify(path)
    assert code == 0, out
    assert f"ok: the store matches checkpoint 1 ({STREAMS * EVENTS_PER_STREAM} events)" in out

    await audited.append(audited.streams[0], 2)
    code, out = await audited.verify()
    assert code == 0, out
    assert "2 events recorded after it are protected by their chains only" in out

    [second] = await audited.checkpoint()
    assert second.name == "000002.json"
    code, out = await audited.verify()  # the directory: both checkpoints, chained
    assert code == 0, out
    assert "matches checkpoint 2" in out and "0 events recorded after it" in out
    assert await audited.checkpoint() == []  # nothing new: nothing to sign
