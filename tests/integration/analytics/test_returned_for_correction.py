"""A stream that starts with ComplaintReturnedForCorrection is projected once it is received
(its earlier events filled in); a lapsed one never becomes a row, and nothing is dead-lettered."""

from __future__ import annotations

import pytest

from tests.builders import acknowledge, at, lapse_correction, receive, return_for_correction
from tests.integration.analytics.conftest import Analytics, new_number, story
from tests.support.running import eventually

pytestmark = pytest.mark.integration


async def test_a_corrected_complaint_is_projected_with_its_whole_timeline(analytics: Analytics) -> None:
    corrected, lapsed = new_number(), new_number()
    await analytics.put(corrected, story(return_for_correction(complaint_no=corrected)))
    await analytics.put(lapsed, story(return_for_correction(complaint_no=lapsed), lapse_correction()))
    await analytics.put(
        corrected,
        story(
            return_for_correction(complaint_no=corrected),
            receive(complaint_no=corrected, when=at(hours=2)),
            acknowledge(when=at(hours=2)),
        )[1:],
    )

    await analytics.projected({corrected: 3})
    row = await analytics.row(corrected)
    assert row["status"] == "received" and row["acknowledged"] is True
    assert await analytics.timeline(corrected) == [
        "ComplaintReturnedForCorrection",
        "ComplaintReceived",
        "ComplaintAcknowledged",
    ]

    async def lapsed_seen() -> bool:  # the analytics consumer has taken both of its events
        return analytics.runtime.consumers[0].dead_lettered == 0 and await analytics.versions([lapsed]) == {}

    assert await eventually(lapsed_seen, what="the lapsed stream left out")
    assert await analytics.timeline(lapsed) == []
