"""Browser tests: Playwright's assertions wait up to 15 s instead of its default 5 s.

The suite runs four workers on two cores, several of them driving a Chromium beside the services
they test; an answer the page shows in a fraction of a second alone can take seconds then. What a
test measures about time it asserts explicitly (the dashboard's live-update latency), never
through this timeout."""

from __future__ import annotations

import contextlib

with contextlib.suppress(ImportError):  # the browser tests skip themselves without Playwright
    from playwright.async_api import expect

    expect.set_options(timeout=15_000)
