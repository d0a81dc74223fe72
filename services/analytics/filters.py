"""Who may read the analytics API and what a reader may narrow a query to.

Every list and figure takes the same four filters (department, channel, category, grade, each
repeatable) and counts an agent's or a department head's own department only, whatever they ask
for; a date range that runs backwards or is too long is refused with one body.

(No ``from __future__ import annotations``: FastAPI evaluates the dependency's annotations.)
"""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, HTTPException, Query

from services.analytics.complaints.queries import Filters
from shared.complaints import Category, Channel, Grade
from shared.events import Role
from shared.service.auth import DEPARTMENT_SCOPED_ROLES, Principal, require
from shared.service.error_responses import error_responses

Reader = Annotated[
    Principal,
    require(
        Role.AGENT, Role.DEPARTMENT_HEAD, Role.SUPERVISOR, Role.OPERATOR, Role.AUDITOR, Role.QUALITY_ENGINEER
    ),
]
"""Who reads complaints and figures; agents and department heads their own department's only."""
Reporter = Annotated[Principal, require(Role.OPERATOR, Role.SUPERVISOR)]
"""Who reports service volume, draws and scores inspection samples and reads the monthly report."""

ERRORS = error_responses(described={403: "The caller's role may not read complaints (channels)."})
"""The error answers of a reader's endpoint, as its ``responses``."""

DepartmentQ = Annotated[list[str] | None, Query(description="Only these department codes (repeatable).")]
ChannelQ = Annotated[list[Channel] | None, Query(description="Only these channels (repeatable).")]
CategoryQ = Annotated[list[Category] | None, Query(description="Only these categories (repeatable).")]
GradeQ = Annotated[list[Grade] | None, Query(description="Only these grades (repeatable).")]


def department_scope(principal: Principal) -> str | None:
    """The one department an agent or a department head may see; None for roles that see all."""
    if principal.role not in DEPARTMENT_SCOPED_ROLES:
        return None
    return principal.department or ""  # one without a department (never issued) sees nothing


def filter_values(
    department: list[str] | None,
    channel: list[Channel] | None,
    category: list[Category] | None,
    grade: list[Grade] | None,
) -> dict[str, Sequence[str]]:
    """The four filters as the read model's columns and values (an empty list: no filter)."""
    return {
        "department": list(department or ()),
        "channel": [c.value for c in channel or ()],
        "category": [c.value for c in category or ()],
        "grade": [g.value for g in grade or ()],
    }


def reader_filters(
    principal: Reader,
    department: DepartmentQ = None,
    channel: ChannelQ = None,
    category: CategoryQ = None,
    grade: GradeQ = None,
) -> Filters:
    """The four filters of a request, scoped to what its reader may see."""
    return Filters(
        values=filter_values(department, channel, category, grade),
        scope_department=department_scope(principal),
    )


ReaderFilters = Annotated[Filters, Depends(reader_filters)]
"""An endpoint's four filter parameters and its reader's scope, as one parameter."""


def invalid_range(message: str, message_zh: str) -> HTTPException:
    """A date range that cannot be answered: `from` after `to`, or longer than allowed."""
    return HTTPException(422, detail={"error": "invalid_range", "message": message, "message_zh": message_zh})


def local_range(
    date_from: date | None, date_to: date | None, default_days: int, today: date, max_days: int
) -> tuple[date, date]:
    """A query's local date range: `to` defaults to today and `from` to ``default_days`` before it;
    one that runs backwards or is longer than ``max_days`` is refused."""
    last = date_to or today
    first = date_from or last - timedelta(days=default_days)
    if first > last:
        raise invalid_range("`from` is after `to`", "开始日期晚于结束日期")
    if (last - first).days + 1 > max_days:
        raise invalid_range(f"the range is longer than {max_days} days", f"日期范围超过 {max_days} 天")
    return first, last
