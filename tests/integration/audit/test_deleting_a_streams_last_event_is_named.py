"""A superuser deletes a stream's last event: every chain still verifies; the checkpoint names it."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_the_deleted_event_is_named(audited: Audited) -> None:
    await audited.checkpoint()
    stream = audited.streams[0]  # its last event is not the store's last: no truncated tail
    last = (await audited.store.read_stream(stream))[-1]

    await audited.as_superuser(("DELETE FROM events WHERE event_id = $1", (last.event_id,)))

    assert (await audited.store.verify()).ok  # the chains alone see nothing
    code, out = await audited.verify()
    assert code == 1, out
    [line] = [line for line in out.splitlines() if line.startswith("DELETED:")]
    assert str(last.event_id) in line and stream in line
    assert f"its stream now ends before version {last.stream_version}" in line
    assert "Traceback" not in out
