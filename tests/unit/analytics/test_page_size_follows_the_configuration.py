"""GET /v1/complaints refuses a page larger than TOUSU_ANALYTICS_MAX_PAGE_SIZE with the same 422
as any other parameter out of its bounds, and serves one of exactly that size. The apps are not
started; the read model is a stand-in."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.analytics import dependencies
from services.analytics.complaints import api as complaints_api
from services.analytics.complaints.queries import Filters
from services.analytics.config import AnalyticsConfig
from services.analytics.main import create_app
from shared.settings import Settings
from tests.support import auth

pytestmark = [pytest.mark.unit, pytest.mark.asyncio]


class EmptyReadModel:
    engine = None

    def __init__(self) -> None:
        self.pages: list[tuple[int, int]] = []

    async def page(self, filters: Filters, page: int, page_size: int) -> tuple[list[Any], int]:
        self.pages.append((page, page_size))
        return [], 0


async def list_page(app: FastAPI, page_size: int) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as client:
        return await client.get(
            "/v1/complaints", params={"page_size": page_size}, headers=auth.bearer("supervisor")
        )


@pytest.mark.parametrize("most", [5, 100, 250])
async def test_a_page_over_the_configured_most_is_a_422_naming_it(
    most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(Settings(), tokens=auth.test_tokens(), config=AnalyticsConfig(max_page_size=most))
    read_model = EmptyReadModel()
    app.dependency_overrides[dependencies.complaint_read_model] = lambda: read_model

    async def no_personal_data(*_: object) -> dict[str, Any]:
        return {}

    monkeypatch.setattr(complaints_api, "personal_data", no_personal_data)

    too_large = await list_page(app, most + 1)
    assert too_large.status_code == 422
    assert too_large.json()["errors"] == [
        {
            "field": "query.page_size",
            "type": "less_than_equal",
            "message": f"Input should be less than or equal to {most}",
        }
    ]

    largest = await list_page(app, most)
    assert largest.status_code == 200
    assert largest.json()["page_size"] == most
    assert read_model.pages == [(1, most)]
