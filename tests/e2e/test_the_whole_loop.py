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

import asyncio
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from shared.settings import Settings
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
                "routing", number, "cooperation", "agent:quality",
                {"departments": ["logistics"], "note": "请核查该批次的运输与仓储记录。"},
            )  # fmt: skip
            await stack.command("routing", number, "progress", "agent:quality", {"note": LEAD_NOTE})
            await work_the_eight_d_case(stack, number, through="D7")

            refused = await resolve(stack, number)
            assert refused.status_code == 409 and refused.json()["error"] == "contributions_missing"
            await cooperate(stack, client, number)
            assert (await resolve(stack, number)).status_code == 200
            await stack.wait_status(number, "revisit_pending")
            await answer_the_questionnaire(stack, client, number)

            # confirmed by the complainant, but the 8D case is not closed: the complaint stays open
            await eventually(
                lambda: has_event(settings, number, "FeedbackReceived"), "the questionnaire answer"
            )
            assert (await stack.view(number))["complaint"]["status"] != "closed"
            await work_the_eight_d_case(stack, number, through="D8")
            closed = await stack.wait_status(number, "closed")
            assert closed["close_reason"] == "satisfied"

            types = await stream_types(settings, number)
            for expected in ("EightDCaseOpened", "AssignmentObjected", "ObjectionUpheld",
                             "ComplaintTransferred", "EightDCaseHandedOver", "CooperationRequested",
                             "CooperationAccepted", "ContributionRecorded", "ComplaintResolved",
                             "FeedbackReceived", "EightDCaseClosed", "ComplaintClosed"):  # fmt: skip
                assert expected in types, (expected, types)
            assert (
                types.index("FeedbackReceived")
                < types.index("EightDCaseClosed")
                < types.index("ComplaintClosed")
            )
            await the_feeds_carried_it(settings, number)
            await the_eight_d_report_reads_in_both_languages(stack, client, number, tmp_path)


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


LEAD_NOTE = "已封存同批次库存，正在分析进水阀。"
EIGHT_D = {
    "D1": "质量部牵头，物流部协同。",
    "D2": "同批次 WM-2026-B17 洗衣机进水阀开裂漏水，三台。",
    "D3": "封存库存 412 台，暂停该批次发货。",
    "D4": "进水阀注塑保压时间不足，壁厚偏薄。",
    "D5": "调整注塑保压参数，增加壁厚全检。",
    "D6": "新参数试产 500 件，全检合格。",
    "D7": "更新控制计划与 PFMEA，供应商同步整改。",
    "D8": "8D 结案，团队总结表彰。",
}
TEAM = [
    {"name": "王工", "role": "leader"},
    {"name": "赵静", "role": "quality_engineer", "subject": "quality-engineer"},
    {"name": "刘强", "role": "member"},
]


async def work_the_eight_d_case(stack: Stack, number: str, *, through: str) -> None:
    """The quality engineer records the disciplines not yet recorded, up to ``through``."""
    case = await stack.client.get(
        stack.url("routing", f"/v1/complaints/{number}/8d"), headers=stack.auth("quality_engineer")
    )
    assert case.status_code == 200, case.text
    recorded = {d["discipline"] for d in case.json()["disciplines"] if d["recorded"]}
    for discipline, content in EIGHT_D.items():
        if discipline not in recorded:
            body: dict[str, Any] = {"content": content}
            if discipline == "D1":
                body["team"] = TEAM
            if discipline == "D3":
                body["attachments"] = [
                    {"file_name": "封存记录.pdf", "media_type": "application/pdf", "size_bytes": 20480,
                     "sha256": "ab" * 32}
                ]  # fmt: skip
            await stack.command("routing", number, f"8d/disciplines/{discipline}", "quality_engineer", body)
        if discipline == through:
            return


async def resolve(stack: Stack, number: str) -> httpx.Response:
    return await stack.client.post(
        stack.url("routing", f"/v1/complaints/{number}/resolve"),
        json={"resolution": "更换同批次进水阀并上门检修。", "root_cause": "进水阀注塑缺陷"},
        headers=stack.auth("agent:quality"),
    )


async def cooperate(stack: Stack, client: httpx.AsyncClient, number: str) -> None:
    """Logistics signs for the co-operation and contributes; it sees the complaint, not the lead's notes."""
    await stack.command("routing", number, "cooperation/accept", "agent:logistics", {})
    await stack.command(
        "routing", number, "cooperation/contribution", "agent:logistics",
        {"contribution": "该批次运输与仓储记录正常，无跌落、无受潮。"},
    )  # fmt: skip

    async def seen_by_logistics() -> dict[str, Any] | None:
        response = await client.get(
            stack.url("analytics", f"/v1/complaints/{number}"), headers=stack.auth("agent:logistics")
        )
        assert response.status_code in (200, 404), response.text
        body = dict(response.json()) if response.status_code == 200 else {}
        types = [t["type"] for t in body.get("timeline", [])]
        return body if "ContributionRecorded" in types else None

    seen = await eventually(seen_by_logistics, "logistics to read the complaint it co-operates on")
    text = json.dumps(seen, ensure_ascii=False)
    assert LEAD_NOTE not in text, text[max(0, text.find(LEAD_NOTE) - 600) : text.find(LEAD_NOTE) + 100]


async def has_event(settings: Settings, number: str, event_type: str) -> bool:
    return event_type in await stream_types(settings, number)


async def the_feeds_carried_it(settings: Settings, number: str) -> None:
    """Over Kafka, the co-operating department's feed got its request and the lead's the 8D case."""
    consumer = AIOKafkaConsumer(
        settings.topic_assignments,
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=f"whole-loop-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: set[tuple[str, str]] = set()
    try:
        wanted = {("logistics", "CooperationRequested"), ("quality", "EightDCaseHandedOver")}
        deadline = asyncio.get_running_loop().time() + 30
        while not wanted <= seen and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    message = json.loads(record.value)
                    if message.get("stream_id", message.get("complaint_no")) == number:
                        seen.add(((record.key or b"").decode(), str(message.get("type"))))
        assert wanted <= seen, seen
    finally:
        await consumer.stop()


async def the_eight_d_report_reads_in_both_languages(
    stack: Stack, client: httpx.AsyncClient, number: str, tmp_path: Path
) -> None:
    for lang, heading in (("zh-CN", "8D 报告"), ("en", "8D report")):

        async def report(lang: str = lang) -> bytes | None:
            response = await client.get(
                stack.url("analytics", f"/v1/complaints/{number}/8d/report.pdf"),
                params={"lang": lang},
                headers=stack.auth("quality_engineer"),
            )
            assert response.status_code in (200, 404), response.text
            return response.content if response.status_code == 200 else None

        pdf = await eventually(report, f"the 8D report in {lang}")
        assert pdf.startswith(b"%PDF")
        if shutil.which("pdftotext"):
            path = tmp_path / f"8d-{lang}.pdf"
            path.write_bytes(pdf)
            text = await asyncio.to_thread(pdf_text, path)
            assert heading in text and number in text, text[:400]


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


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
