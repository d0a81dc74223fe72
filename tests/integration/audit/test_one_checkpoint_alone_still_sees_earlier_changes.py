"""Given only the newest checkpoint, a change before its own range is still found (by the
digest); the whole directory names the event."""

from __future__ import annotations

import pytest

from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_the_latest_file_alone_sees_it_and_the_directory_names_it(audited: Audited) -> None:
    await audited.checkpoint()
    first_event = (await audited.events())[0]
    await audited.append(audited.streams[0], 2)
    [latest] = await audited.checkpoint()

    await audited.as_superuser(("DELETE FROM events WHERE event_id = $1", (first_event.event_id,)))

    code, out = await audited.verify(latest)
    assert code == 1, out
    assert "DIFFERS: the store's events up to position" in out
    assert "verify with the whole checkpoint directory to name them" in out

    code, out = await audited.verify()
    assert code == 1, out
    assert f"DELETED: event {first_event.event_id}" in out
