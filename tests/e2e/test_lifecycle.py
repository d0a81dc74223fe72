"""The closed loop 受理 → 处理 → 反馈 → 归档 across the five services running as processes.

Submissions over HTTP and over the Kafka intake topic; assigned, accepted, resolved and
revisited; one closes satisfied; one is reopened, resolved again and closed; one breaches a
short test policy and escalates; a department cannot see another's complaint. Then a service is
killed with SIGKILL mid-flight, `tousu up` restarts it, and nothing is lost or duplicated.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.db.engine import create_engine
from shared.eventstore import PostgresEventStore
from shared.settings import Settings
from tests.e2e.running_stack import RunningUp, tousu_up, wait_all_ready
from tooling.demo import Stack, eventually, load_tokens

pytestmark = pytest.mark.e2e

SHORT_POLICY = """
warn_fraction: 0.5
grades:
  general: {first_response: PT12H, resolution: PT72H}
  complex: {first_response: PT12H, resolution: PT72H}
  urgent: {first_response: PT4S, resolution: PT8S}
escalation_chain: [supervisor, operations_manager, general_manager]
"""


def complaint(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "channel": "hotline",
        "complainant_kind": "customer",
        "complainant": {"name": "张伟", "phone": "13812345678"},
        "category": "product_quality",
        "subject": "洗衣机漏水",
        "content": "购买两周的洗衣机底部漏水。",
    }
    return {**base, **fields}


def stack_settings(up: RunningUp) -> Settings:
    return Settings(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{up.pg_port}/tousu",
        kafka_bootstrap=f"127.0.0.1:{up.kafka_port}",
        kafka_idempotence=False,
        tokens_file=up.data_dir / "tokens.yaml",
        **{f"{name}_port": port for name, port in up.ports.items()},
    )


async def stream_types(settings: Settings, number: str) -> list[str]:
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        events = await PostgresEventStore(engine).read_stream(number)
    finally:
        await engine.dispose()
    assert [e.stream_version for e in events] == list(range(1, len(events) + 1))
    return [e.type for e in events]


async def test_the_closed_loop_across_five_services(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(SHORT_POLICY)
    env = {"TOUSU_SLA_POLICY_FILE": str(policy), "TOUSU_SLA_TICK_SECONDS": "0.5"}
    with tousu_up(tmp_path, env_extra=env) as up:
        await wait_all_ready(up)
        settings = stack_settings(up)
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            stack = Stack(
                settings, load_tokens(settings.resolved_tokens_file()), client, say=lambda line: None
            )

            satisfied = await stack.submit_http(complaint())
            reopened = await stack.submit_kafka(
                complaint(
                    channel="online",
                    category="delivery",
                    subject="快递丢件",
                    content="物流显示签收但未收到。",
                )
            )
            urgent = await stack.submit_http(
                complaint(
                    channel="employee_platform",
                    complainant_kind="employee",
                    complainant={"name": "陈静", "employee_id": "E1024"},
                    category="facilities",
                    grade="urgent",
                    subject="消防通道被堵",
                    content="仓库消防通道被货物堵塞。",
                )
            )

            assert await stack.work_through(satisfied) == "closed"
            assert await stack.work_through(reopened, satisfied=False) == "reopened"
            assert await stack.work_through_reopened(reopened) == "closed"

            # a department cannot see, nor act on, another department's complaint
            quality = (await stack.view(satisfied))["complaint"]["department"]
            other = next(d for d in ("logistics", "finance", "hr") if d != quality)
            hidden = await client.get(
                stack.url("analytics", f"/v1/complaints/{satisfied}"), headers=stack.auth(f"agent:{other}")
            )
            assert hidden.status_code == 404
            acting = await client.post(
                stack.url("routing", f"/v1/complaints/{satisfied}/progress"),
                json={"note": "x"},
                headers=stack.auth(f"agent:{other}"),
            )
            assert acting.status_code == 404

            # the urgent one is never accepted: it breaches its 4 s first-response limit and escalates
            async def escalated() -> list[str] | None:
                types = await stream_types(settings, urgent)
                return types if {"SlaBreached", "ComplaintEscalated"} <= set(types) else None

            urgent_types = await eventually(
                escalated, "the urgent complaint to breach and escalate", within=60
            )
            assert "SlaWarningRaised" in urgent_types
            assert urgent_types.index("SlaWarningRaised") < urgent_types.index("SlaBreached")

            satisfied_types = await stream_types(settings, satisfied)
            for expected in ("ComplaintReceived", "ComplaintAcknowledged", "ComplaintAssigned",
                             "ComplaintAccepted", "ProgressRecorded", "ComplaintResolved",
                             "RevisitScheduled", "FeedbackReceived", "ComplaintClosed"):  # fmt: skip
                assert satisfied_types.count(expected) == 1, (expected, satisfied_types)
            reopened_types = await stream_types(settings, reopened)
            assert reopened_types.count("ComplaintReopened") == 1
            assert reopened_types.count("ComplaintResolved") == 2
            assert reopened_types[-1] == "ComplaintClosed"

            view = (await stack.view(reopened))["complaint"]
            assert view["status"] == "closed" and view["reopen_count"] == 1
            timeline = (await stack.view(reopened))["timeline"]
            assert [t["type"] for t in timeline] == reopened_types

            async def stats_caught_up() -> dict[str, Any] | None:
                response = await client.get(
                    stack.url("analytics", "/v1/stats"), headers=stack.auth("operator")
                )
                body = dict(response.json())
                return body if body.get("sla_breaches", 0) >= 1 and body["total"] == 3 else None

            stats = await eventually(stats_caught_up, "stats to count the breach")
            by_status = {item["code"]: item["count"] for item in stats["by_status"]}
            assert by_status["closed"] == 2

            await kill_a_service_mid_flight(up, stack, settings)


async def kill_a_service_mid_flight(up: RunningUp, stack: Stack, settings: Settings) -> None:
    """SIGKILL routing while complaints flow; `tousu up` restarts it; none lost, none doubled."""
    submitting = asyncio.gather(
        *(stack.submit_http(complaint(subject=f"批量投诉 {i}", content=f"第 {i} 件")) for i in range(20))
    )
    await asyncio.sleep(0.3)
    os.kill(up.service_pid("routing"), signal.SIGKILL)
    numbers = await submitting
    await asyncio.to_thread(up.wait_for_line, "restarting", 30)
    await wait_all_ready(up, ("routing",))

    async def all_assigned() -> bool:
        for number in numbers:
            view = (await stack.view(number)).get("complaint") or {}
            if view.get("status") != "assigned":
                return False
        return True

    await eventually(all_assigned, "every complaint submitted around the crash to be assigned", within=90)
    for number in numbers:
        counts = Counter(await stream_types(settings, number))
        assert counts["ComplaintReceived"] == 1
        assert counts["ComplaintAssigned"] == 1, (number, counts)
        assert counts["ComplaintAcknowledged"] == 1, (number, counts)
