"""GET /v1/revisits: customer service's revisit list, earliest due first, filtered and paged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import text

from shared.complaints.events import ComplaintResolved
from shared.complaints.values import Status
from shared.db.engine import create_engine
from shared.eventstore import NO_STREAM
from tests.builders import (
    T0,
    TEST_KEY,
    a_complainant,
    agent,
    as_new,
    complainant_id_of,
    history_to,
    new_complaint_no,
)
from tests.integration.feedback.conftest import Feedback
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def three_revisits(feedback: Feedback) -> list[str]:
    """Complaints resolved 2 h, 1 h and 3 h after T0 (so due in that order: 2nd, 1st, 3rd)."""
    numbers = []
    for hours, department in ((2, "quality"), (1, "finance"), (3, "quality")):
        complaint_no = new_complaint_no()
        history = history_to(Status.IN_PROGRESS, department, complaint_no=complaint_no)
        resolved = ComplaintResolved(department=department, resolution="已处理")
        history.append(as_new(resolved, by=agent(department), when=T0 + timedelta(hours=hours)))
        await feedback.store.append(complaint_no, NO_STREAM, history)
        numbers.append(complaint_no)
    for complaint_no in numbers:
        await feedback.revisit(complaint_no)
    return numbers


def numbers(page: dict[str, object]) -> list[str]:
    return [item["complaint_no"] for item in page["items"]]  # type: ignore[attr-defined, index]


async def test_earliest_due_first_in_pages(feedback: Feedback, three_revisits: list[str]) -> None:
    second, first, third = three_revisits

    page_one = await feedback.revisits(page_size=2)
    page_two = await feedback.revisits(page_size=2, page=2)

    assert (page_one["total"], page_one["status"]) == (3, ["pending"])
    assert numbers(page_one) == [first, second]
    assert numbers(page_two) == [third]
    assert page_one["items"][0]["due_at"] == "2026-01-08T02:00:00Z"


async def test_due_before_and_department(feedback: Feedback, three_revisits: list[str]) -> None:
    second, first, _ = three_revisits

    due_soon = await feedback.revisits(due_before="2026-01-08T10:30:00+08:00")  # 02:30 UTC
    quality = await feedback.revisits(department="quality")

    assert numbers(due_soon) == [first]
    assert due_soon["due_before"] == "2026-01-08T02:30:00Z"
    assert numbers(quality)[0] == second and len(numbers(quality)) == 2


@pytest.fixture
def later(feedback: Feedback) -> Iterator[None]:
    """The service's clock four days after T0, for one test."""
    before = feedback.clock.now()
    feedback.clock.set(T0 + timedelta(days=4))
    yield
    feedback.clock.set(before)


async def test_overdue_once_past_due(feedback: Feedback, three_revisits: list[str], later: None) -> None:
    english = await feedback.revisits(lang="en")

    assert all(item["overdue"] for item in english["items"])
    assert english["items"][0]["status_label"] == "Revisit pending"
    assert english["items"][0]["department_label"] == "Finance"


async def test_who_may_read(feedback: Feedback, three_revisits: list[str]) -> None:
    allowed = [bearer("agent", "customer_service"), bearer("supervisor"), bearer("operator"), bearer("admin")]
    refused = [bearer("agent", "quality"), bearer("auditor"), bearer("channel")]

    assert [(await feedback.client.get("/v1/revisits", headers=h)).status_code for h in allowed] == [200] * 4
    assert [(await feedback.client.get("/v1/revisits", headers=h)).status_code for h in refused] == [403] * 3
    assert (await feedback.client.get("/v1/revisits")).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"due_before": "2026-01-08T10:00:00"}, "query.due_before"),
        ({"due_before": "soon"}, "query.due_before"),
        ({"status": "lost"}, "query.status.0"),
        ({"page_size": 0}, "query.page_size"),
    ],
)
async def test_a_bad_query_422(feedback: Feedback, params: dict[str, object], field: str) -> None:
    response = await feedback.client.get("/v1/revisits", params=params, headers=bearer("supervisor"))

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_the_list_says_whom_to_call_masked_for_operators(
    feedback: Feedback, three_revisits: list[str]
) -> None:
    person = a_complainant()
    # intake's part (the feedback service may only read keys): as the owner
    owner = create_engine(feedback.settings.database_url, pool_size=1)
    async with owner.begin() as conn:
        await conn.execute(
            text("INSERT INTO privacy_complainant_keys VALUES (:id, :key, now()) ON CONFLICT DO NOTHING"),
            {"id": complainant_id_of(person), "key": TEST_KEY},
        )
    caller = (await feedback.revisits())["items"][0]["complainant"]
    assert caller["name"] == person.name and caller["phone"] == person.phone and not caller["masked"]
    response = await feedback.client.get("/v1/revisits", headers=bearer("operator"))
    masked = response.json()["items"][0]["complainant"]
    assert masked["name"] == "王**" and masked["phone"] == "138****0000" and masked["masked"]
    async with owner.begin() as conn:
        await conn.execute(
            text("DELETE FROM privacy_complainant_keys WHERE complainant_id = :id"),
            {"id": complainant_id_of(person)},
        )
    await owner.dispose()
    erased = (await feedback.revisits())["items"][0]["complainant"]
    assert erased["status"] == "erased" and erased["phone"] is None
