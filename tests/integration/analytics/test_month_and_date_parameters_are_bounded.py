"""Every month, day and ISO-week parameter of the analytics API takes 2000 to 2099: outside them
(``month=0000-01`` / ``9999-12``, ``from=0001-01-01``, ``9999-W52``) a 422 naming the parameter,
never a 500 (they were: month and week arithmetic ran off the calendar). The edges are served."""

from __future__ import annotations

import pytest

from tests.integration.analytics.conftest import Analytics
from tests.support.auth import bearer

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

MONTHLY = ["/v1/inspections", "/v1/problems", "/v1/repeats", "/v1/reports/monthly", "/v1/scorecards"]


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "1999-12", "2100-01", "0001-01"])
@pytest.mark.parametrize("path", MONTHLY)
async def test_a_month_out_of_range_is_422_naming_it(analytics: Analytics, path: str, month: str) -> None:
    response = await analytics.client.get(path, params={"month": month}, headers=bearer("supervisor"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["query.month"]


@pytest.mark.parametrize("month", ["2000-01", "2099-12"])
@pytest.mark.parametrize("path", MONTHLY)
async def test_the_first_and_last_months_are_served(analytics: Analytics, path: str, month: str) -> None:
    response = await analytics.client.get(path, params={"month": month}, headers=bearer("supervisor"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/kpis", {"from": "0001-01-01", "to": "0001-01-02"}, "query.from"),
        ("/v1/kpis", {"to": "0001-01-01"}, "query.to"),
        ("/v1/kpis", {"from": "9999-12-30", "to": "9999-12-31"}, "query.from"),
        ("/v1/kpis/trend", {"kpi": "satisfaction", "to": "0001-01-01"}, "query.to"),
        (
            "/v1/kpis/trend",
            {"kpi": "satisfaction", "granularity": "month", "from": "2099-12-01", "to": "9999-12-31"},
            "query.to",
        ),
    ],
)
async def test_a_day_out_of_range_is_422_naming_it(
    analytics: Analytics, path: str, params: dict[str, str], field: str
) -> None:
    response = await analytics.client.get(path, params=params, headers=bearer("supervisor"))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_the_last_days_are_served(analytics: Analytics) -> None:
    for path, params in (
        ("/v1/kpis", {"from": "2099-12-01", "to": "2099-12-31", "granularity": "month"}),
        ("/v1/kpis/trend", {"kpi": "satisfaction", "granularity": "month", "to": "2099-12-31"}),
        ("/v1/kpis", {"to": "2000-01-01"}),
    ):
        response = await analytics.client.get(path, params=params, headers=bearer("supervisor"))
        assert response.status_code == 200, (path, response.text)


@pytest.mark.parametrize("week", ["9999-W52", "0001-W01", "1999-W52", "2100-W01"])
async def test_a_week_out_of_range_is_422(analytics: Analytics, week: str) -> None:
    read = await analytics.client.get(f"/v1/inspections/{week}", headers=bearer("supervisor"))
    draw = await analytics.client.post(f"/v1/inspections/{week}/draw", json={}, headers=bearer("supervisor"))
    for response in (read, draw):
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid_week" and response.json()["message_zh"]


async def test_a_service_volume_day_out_of_range_is_422(analytics: Analytics) -> None:
    body = {"entries": [{"day": "9999-12-31", "channel": "hotline", "volume": 10}]}
    response = await analytics.client.put("/v1/service-volume", json=body, headers=bearer("operator"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["entries.0.day"]
