"""Employee satisfaction is a KPI of its own: the mean feedback score of employee complainants × 20."""

from __future__ import annotations

import pytest

from services.analytics.kpis.queries import COUNT_COLUMNS, measure, measure_nothing
from services.analytics.kpis.targets import DEFAULT_TARGETS, KPI_LABELS, Kpi, Rag, rag

pytestmark = pytest.mark.unit


def _row(**figures: float | None) -> dict[str, float | None]:
    row: dict[str, float | None] = dict.fromkeys(COUNT_COLUMNS, 0)
    return {
        **row,
        "feedback_avg": None,
        "emp_feedback_avg": None,
        "ht_median": None,
        "ht_p90": None,
        **figures,
    }


def test_employee_satisfaction_is_measured_apart_from_everyone_s() -> None:
    row = _row(feedback_n=4, feedback_avg=4.5, emp_feedback_n=2, emp_feedback_avg=3.5)

    kpis = {m.code: m for m in measure(row, None)}

    assert kpis[Kpi.SATISFACTION].value == 90
    employee = kpis[Kpi.EMPLOYEE_SATISFACTION]
    assert (employee.value, employee.numerator, employee.denominator) == (70, 140, 2)
    assert rag(employee.value, DEFAULT_TARGETS[Kpi.EMPLOYEE_SATISFACTION]) is Rag.RED


def test_without_employee_feedback_there_is_no_value() -> None:
    assert {m.code: m for m in measure_nothing()}[Kpi.EMPLOYEE_SATISFACTION].value is None
    assert KPI_LABELS[Kpi.EMPLOYEE_SATISFACTION] == {"zh-CN": "员工满意度", "en": "Employee satisfaction"}
