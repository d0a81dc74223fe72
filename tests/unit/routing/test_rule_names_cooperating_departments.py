"""A routing rule may name co-operating departments (协同): the dispatch asks them with the
assignment, each a CooperationRequested; a rule naming an unknown department, its own, or one twice
is refused when the file is read."""

from __future__ import annotations

import pytest

from services.routing.handlers import AssignOnReceipt
from services.routing.rules import RuleTableError, parse_rules
from shared.clock import FakeClock
from shared.eventstore import NO_STREAM, InMemoryEventStore
from tests.builders import as_new, at, received
from tests.support.unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.unit

RULES = """
default_department: customer_service
rules:
  - name: quality-with-logistics
    match: {category: product_quality}
    department: quality
    cooperating: [logistics, after_sales]
"""


async def test_the_dispatch_asks_the_rules_cooperating_departments() -> None:
    store = InMemoryEventStore()
    event = (await store.append("TS-1", NO_STREAM, [as_new(received(complaint_no="TS-1"))])).events[0]

    await AssignOnReceipt(parse_rules(RULES), FakeClock(at(minutes=5)))(event, FakeUnitOfWork(store))

    stream = await store.read_stream("TS-1")
    assert [(e.type, e.payload.get("department")) for e in stream[1:]] == [
        ("ComplaintAssigned", "quality"),
        ("CooperationRequested", "logistics"),
        ("CooperationRequested", "after_sales"),
    ]
    assert stream[2].payload["lead_department"] == "quality"


@pytest.mark.parametrize(
    ("cooperating", "why"),
    [
        ("[accounting]", "unknown department 'accounting'"),
        ("[quality]", "cannot co-operate with itself"),
        ("[logistics, logistics]", "'logistics' is named twice"),
    ],
)
def test_a_bad_cooperating_department_is_refused_by_line(cooperating: str, why: str) -> None:
    text = RULES.replace("[logistics, after_sales]", cooperating)
    with pytest.raises(RuleTableError) as raised:
        parse_rules(text, "rules.yaml")
    (problem,) = [p.render("rules.yaml") for p in raised.value.problems]
    assert problem.startswith("rules.yaml:7: rule 1 (quality-with-logistics).cooperating[")
    assert why in problem
