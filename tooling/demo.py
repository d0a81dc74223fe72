"""`tousu demo`: walk a dozen realistic complaints through the loop on a running stack.

受理 → 派单 → 处理 → 回访 → 归档: complaints in Chinese and English, from customers and
employees, over HTTP and over the Kafka intake topic; one complainant is dissatisfied and
the complaint goes back to its department until they are satisfied.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError

from shared.settings import Settings, load_settings
from tooling.stack.ports import client_host

T = TypeVar("T")

COMPLAINTS: list[dict[str, Any]] = [
    {
        "channel": "hotline",
        "complainant_kind": "customer",
        "category": "product_quality",
        "complainant": {"name": "张伟", "phone": "13812345678"},
        "subject": "洗衣机漏水",
        "content": "购买两周的洗衣机底部漏水，要求上门检修。",
        "product_refs": ["WM-2031"],
    },
    {
        "channel": "web_form",
        "complainant_kind": "customer",
        "category": "delivery",
        "complainant": {"name": "Emily Carter", "email": "emily@example.com"},
        "subject": "Parcel two weeks late",
        "content": "Order SO-1234 still has not arrived.",
        "order_refs": ["SO-1234"],
    },
    {
        "channel": "email",
        "complainant_kind": "customer",
        "category": "billing",
        "complainant": {"name": "李娜", "email": "lina@example.cn"},
        "subject": "重复扣款",
        "content": "同一订单被扣款两次，请退还多扣的款项。",
        "order_refs": ["SO-7781"],
    },
    {
        "channel": "store",
        "complainant_kind": "customer",
        "category": "service_attitude",
        "complainant": {"name": "王芳", "phone": "13900001111"},
        "subject": "门店店员态度差",
        "content": "周六在徐汇店咨询时店员不耐烦。",
    },
    {
        "channel": "app",
        "complainant_kind": "customer",
        "category": "after_sales",
        "complainant": {"name": "Marco Rossi", "phone": "+39 333 1234567"},
        "subject": "Repair visit missed",
        "content": "The technician did not come on the agreed day.",
    },
    {
        "channel": "employee_platform",
        "complainant_kind": "employee",
        "category": "pay_benefits",
        "complainant": {"name": "陈静", "employee_id": "E1024", "department": "logistics"},
        "subject": "加班费未发放",
        "content": "十月份的加班费至今未发放。",
    },
    {
        "channel": "employee_mailbox",
        "complainant_kind": "employee",
        "category": "work_environment",
        "anonymous": True,
        "subject": "仓库通风不良",
        "content": "夏天仓库温度过高，通风设备损坏。",
    },
    {
        "channel": "suggestion_box",
        "complainant_kind": "employee",
        "category": "facilities",
        "anonymous": True,
        "subject": "Broken lift",
        "content": "The lift in building B has been broken for a week.",
    },
    {
        "channel": "letter",
        "complainant_kind": "customer",
        "category": "product_quality",
        "complainant": {"name": "赵磊", "phone": "13700002222"},
        "subject": "电池续航不足",
        "content": "新买的手机电池半天就没电。",
        "product_refs": ["PH-88"],
    },
    {
        "channel": "face_to_face",
        "complainant_kind": "employee",
        "category": "performance_review",
        "complainant": {"name": "周杰", "employee_id": "E2048", "department": "finance"},
        "subject": "绩效评定不公",
        "content": "第三季度绩效评定没有依据。",
    },
]
KAFKA_COMPLAINTS: list[dict[str, Any]] = [
    {"channel": "online", "complainant_kind": "customer", "category": "delivery",
     "complainant": {"name": "刘洋", "phone": "13600003333"},
     "subject": "快递丢件", "content": "物流显示已签收但未收到包裹。", "order_refs": ["SO-9001"]},
    {"channel": "after_sales_revisit", "complainant_kind": "customer", "category": "after_sales",
     "complainant": {"name": "Sarah Kim", "email": "sarah@example.com"},
     "subject": "Refund not received", "content": "The refund promised last month never arrived.",
     "order_refs": ["SO-5521"]},  # the policy requires order_refs on after-sales revisits
]  # fmt: skip


def load_tokens(path: Path) -> dict[str, str]:
    """role → token, and agent:<department> → token, from the tokens file."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["tokens"]
    tokens: dict[str, str] = {}
    for entry in entries:
        key = f"agent:{entry['department']}" if entry["role"] == "agent" else entry["role"]
        tokens.setdefault(key, entry["token"])
    return tokens


async def eventually(check: Callable[[], Awaitable[T | None]], what: str, within: float = 30) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise TimeoutError(f"timed out waiting for {what}")


@dataclass
class Stack:
    """HTTP and Kafka access to a running stack, acting with the tokens file's roles."""

    settings: Settings
    tokens: dict[str, str]
    client: httpx.AsyncClient
    say: Callable[[str], None] = print
    base_urls: Mapping[str, str] = field(default_factory=dict)
    """A service's base URL when it is not on TOUSU_HOST at its TOUSU_<NAME>_PORT."""

    def url(self, service: str, path: str) -> str:
        base = self.base_urls.get(service)
        if base is None:
            base = f"http://{client_host(self.settings.host)}:{self.settings.port_of(service)}"
        return base.rstrip("/") + path

    def auth(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[key]}"}

    async def submit_http(self, complaint: dict[str, Any]) -> str:
        key = str(uuid.uuid4())
        response = await self.client.post(
            self.url("intake", "/v1/complaints"),
            json=complaint,
            headers={**self.auth("channel"), "Idempotency-Key": key},
        )
        if response.status_code == 403:  # a channel the policy leaves to staff: a supervisor registers it
            response = await self.client.post(
                self.url("intake", "/v1/complaints"),
                json=complaint,
                headers={**self.auth("supervisor"), "Idempotency-Key": key},
            )
        response.raise_for_status()
        number: str = response.json()["complaint_no"]
        self.say(f"受理 received   {number}  [{complaint['channel']}] {complaint['subject']}")
        return number

    async def submit_kafka(self, complaint: dict[str, Any]) -> str:
        submission_id = f"demo-{uuid.uuid4().hex[:10]}"
        earlier = set(await self._numbers_with_subject(complaint))
        producer = AIOKafkaProducer(bootstrap_servers=self.settings.kafka_bootstrap, acks="all")
        await producer.start()
        try:
            message = {**complaint, "submission_id": submission_id, "channel_id": "demo-kafka"}
            await producer.send_and_wait(
                self.settings.topic_intake, json.dumps(message).encode(), key=b"demo-kafka"
            )
        finally:
            await producer.stop()

        async def find() -> str | None:
            fresh = [n for n in await self._numbers_with_subject(complaint) if n not in earlier]
            return fresh[0] if fresh else None

        number = await eventually(find, f"Kafka submission {submission_id}")
        self.say(f"受理 received   {number}  [{complaint['channel']} via Kafka] {complaint['subject']}")
        return number

    async def _numbers_with_subject(self, complaint: dict[str, Any]) -> list[str]:
        response = await self.client.get(
            self.url("analytics", "/v1/complaints"),
            params={"channel": complaint["channel"], "page_size": 100},
            headers=self.auth("operator"),
        )
        items = response.json().get("items", [])
        return [str(item["complaint_no"]) for item in items if item.get("subject") == complaint["subject"]]

    async def view(self, number: str) -> dict[str, Any]:
        response = await self.client.get(
            self.url("analytics", f"/v1/complaints/{number}"), headers=self.auth("operator")
        )
        return dict(response.json()) if response.status_code == 200 else {}

    async def wait_status(self, number: str, *statuses: str, within: float = 30) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            complaint = (await self.view(number)).get("complaint") or {}
            return complaint if complaint.get("status") in statuses else None

        return await eventually(reached, f"{number} to become {'/'.join(statuses)}", within)

    async def command(
        self, service: str, number: str, action: str, key: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        response = await self.client.post(
            self.url(service, f"/v1/complaints/{number}/{action}"), json=body, headers=self.auth(key)
        )
        if response.status_code >= 400:
            raise RuntimeError(f"{action} {number}: {response.status_code} {response.text}")
        return dict(response.json())

    async def work_through(self, number: str, *, satisfied: bool = True) -> str:
        complaint = await self.wait_status(number, "assigned")
        department = complaint["department"]
        agent = f"agent:{department}"
        self.say(f"派单 assigned   {number}  → {department}")
        await self.command("routing", number, "accept", agent, {})
        await self.command(
            "routing", number, "progress", agent, {"note": "已联系投诉人，正在调查 / investigating"}
        )
        result = await self.command(
            "routing", number, "resolve", agent, {"resolution": "问题已解决 / resolved", "root_cause": "demo"}
        )
        self.say(f"处理 resolved   {number}  (version {result['stream_version']})")
        await self.wait_status(number, "revisit_pending")
        score = 5 if satisfied else 2
        feedback = {"satisfied": satisfied, "score": score, "comment": "满意" if satisfied else "仍未解决"}
        result = await self.command("feedback", number, "feedback", "agent:customer_service", feedback)
        self.say(f"回访 feedback   {number}  satisfied={satisfied} → {result['status']}")
        return str(result["status"])

    async def work_through_reopened(self, number: str) -> str:
        complaint = await self.wait_status(number, "reopened")
        agent = f"agent:{complaint['department']}"
        await self.command("routing", number, "accept", agent, {})
        await self.command(
            "routing", number, "resolve", agent, {"resolution": "更换新机 / replaced the unit"}
        )
        await self.wait_status(number, "revisit_pending")
        result = await self.command(
            "feedback",
            number,
            "feedback",
            "agent:customer_service",
            {"satisfied": True, "score": 5, "comment": "满意"},
        )
        self.say(f"归档 closed     {number}  satisfied on the second try → {result['status']}")
        return str(result["status"])


async def run_demo(
    settings: Settings, say: Callable[[str], None] = print, base_urls: Mapping[str, str] | None = None
) -> dict[str, str]:
    tokens = load_tokens(settings.resolved_tokens_file())
    async with httpx.AsyncClient(timeout=10) as client:
        stack = Stack(settings, tokens, client, say, dict(base_urls or {}))
        numbers = [await stack.submit_http(c) for c in COMPLAINTS]
        numbers += [await stack.submit_kafka(c) for c in KAFKA_COMPLAINTS]
        outcomes: dict[str, str] = {}
        for index, number in enumerate(numbers):
            dissatisfied_first = index == 0
            status = await stack.work_through(number, satisfied=not dissatisfied_first)
            if status == "reopened":
                say(f"重办 reopened   {number}  back to the department, flagged")
                status = await stack.work_through_reopened(number)
            outcomes[number] = status
        for number in numbers:
            await stack.wait_status(number, "closed")
        stats = (await client.get(stack.url("analytics", "/v1/stats"), headers=stack.auth("operator"))).json()
        by_status = {item["code"]: item["count"] for item in stats["by_status"] if item["count"]}
        by_department = {item["code"]: item["count"] for item in stats["by_department"] if item["count"]}
        total, backlog = stats["total"], stats["open_backlog"]
        say(f"统计 stats      total {total}, open backlog {backlog}, by status {by_status}")
        say(f"               by department {by_department}")
        return outcomes


def cmd_demo(args: argparse.Namespace) -> int:
    settings = load_settings()
    tokens_file = settings.resolved_tokens_file()
    if not tokens_file.is_file():
        print(
            f"tousu demo: no tokens file at {tokens_file}: start the stack first (`make run`, or "
            "`tousu up`) and run the demo from the same folder (or pass its --data-dir)",
            file=sys.stderr,
        )
        return 1
    intake_url = getattr(args, "intake_url", None)
    try:
        outcomes = asyncio.run(run_demo(settings, base_urls={"intake": intake_url} if intake_url else None))
    except httpx.ConnectError as exc:
        try:
            where = str(exc.request.url)
        except RuntimeError:  # an error raised outside a request has none
            where = "a service's URL"
        print(f"tousu demo: nothing answers at {where}: is the stack running?", file=sys.stderr)
        return 1
    except KafkaConnectionError as exc:
        print(f"tousu demo: no Kafka broker at {settings.kafka_bootstrap} ({exc})", file=sys.stderr)
        return 1
    closed = sum(1 for status in outcomes.values() if status == "closed")
    print(f"\n{closed} of {len(outcomes)} complaints closed with the complainant satisfied.")
    if outcomes:
        program = sys.argv[0] if Path(sys.argv[0]).name == "tousu" else "tousu"
        print(f"The first one's history (reopened once): {program} audit replay {next(iter(outcomes))}")
    return 0 if closed == len(outcomes) else 1
