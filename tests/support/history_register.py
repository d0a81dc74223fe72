"""A synthetic public complaint register, generated from a seed: the shape of the history an
organisation brings to `tousu import` (deploy/import/mapping.example.yaml reads it).

Long product names, records without contact details (hotline calls with no number kept), several
channels including referrals from regulators and hotlines, free text in Chinese and English,
dates over several years in several formats, some complaints resolved or closed with their dates —
and a few rows that must be refused, each for a known reason. With every row it gives what tousu
must make of it, so a test can compare counts.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from shared.complaints.values import Category, Channel
from tests.support.settings import role_urls

ZONE = ZoneInfo("Asia/Shanghai")
MAPPING = Path(__file__).resolve().parents[2] / "deploy" / "import" / "mapping.example.yaml"
"""The checked-in sample mapping: the register uses its column names and values."""

HEADER = [
    "编号",
    "受理时间",
    "来源渠道",
    "投诉人",
    "联系电话",
    "电子邮箱",
    "投诉类别",
    "标题",
    "投诉内容",
    "涉及产品",
    "订单号",
    "办理状态",
    "承办部门",
    "答复时间",
    "办结时间",
    "处理结果",
]

CHANNELS: dict[str, Channel] = {
    "电话": Channel.HOTLINE,
    "热线": Channel.HOTLINE,
    "在线客服": Channel.ONLINE,
    "网站": Channel.WEB_FORM,
    "App": Channel.APP,
    "邮件": Channel.EMAIL,
    "来信": Channel.LETTER,
    "来访": Channel.ON_SITE,
    "门店": Channel.STORE,
    "12345转办": Channel.REFERRAL,
    "12315转办": Channel.REFERRAL,
    "市场监管局转办": Channel.REFERRAL,
    "上级转办": Channel.REFERRAL,
    "referral": Channel.REFERRAL,  # a value that already is a code passes unmapped
}
CATEGORIES: dict[str, tuple[Category, str]] = {
    "产品质量": (Category.PRODUCT_QUALITY, "质量部"),
    "服务态度": (Category.SERVICE_ATTITUDE, "客服部"),
    "售后服务": (Category.AFTER_SALES, "售后服务部"),
    "配送物流": (Category.DELIVERY, "物流部"),
    "收费": (Category.BILLING, "财务部"),
    "其他": (Category.OTHER, "客服部"),
}
DEPARTMENTS = {
    "质量部": "quality",
    "客服部": "customer_service",
    "售后服务部": "after_sales",
    "物流部": "logistics",
    "财务部": "finance",
}

BRANDS = ["海澜", "美的尔", "格力特", "Haier-Plus", "小天鹅星", "Sunrise"]
PRODUCTS = [
    "XQG100-BD14376LU 10公斤滚筒洗衣机 变频 除菌 家用全自动 洗烘一体",
    "KFR-35GW/N8MJA1 1.5匹 新一级能效 变频冷暖 壁挂式空调 智能WiFi 自清洁",
    "BCD-470WDPG 470升 十字对开门 风冷无霜 变频一级能效 家用电冰箱 超薄嵌入",
    "EV-2023 Pro 5G smartphone 12GB+256GB dual SIM, 6.7-inch AMOLED display",
    "JYL-C93T 多功能破壁料理机 家用加热 全自动豆浆机 1.75L 大容量 静音款",
]
SUBJECTS_ZH = [
    "洗衣机漏水",
    "空调不制冷",
    "快递延误",
    "重复扣款",
    "客服态度差",
    "退货迟迟未处理",
    "冰箱噪音大",
]
SUBJECTS_EN = ["Leaking washing machine", "Parcel two weeks late", "Charged twice", "Rude store assistant"]
CONTENT_ZH = "购买后不久出现问题，多次联系未果，要求尽快处理并给予答复。"
CONTENT_EN = "The problem started soon after purchase; several calls got no answer. Please resolve it."
FORMATS = ["%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M:%S", "iso"]
FIRST_DAY = datetime(2019, 1, 1, 8, 0, tzinfo=ZONE)
DAYS = 6 * 365  # 2019 to 2024


@dataclass
class Register:
    """The generated rows and what tousu must make of them."""

    rows: list[dict[str, str]] = field(default_factory=list)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    by_month: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    valid: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    """Rows that must be refused, by reason code."""
    open_with_department: int = 0

    def write_csv(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(self.rows)
        return path

    def write_jsonl(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8") as handle:
            for row in self.rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        return path


def _when(instant: datetime, form: str) -> str:
    return instant.isoformat() if form == "iso" else instant.strftime(form)


def register(rows: int, seed: int = 13, refused_every: int = 250) -> Register:
    """``rows`` records; every ``refused_every``-th one is broken in a known way (one reason)."""
    rng = random.Random(seed)
    made = Register()
    breakers = ["unknown_value", "missing", "string_too_long", "duplicate_row_id"]
    for number in range(1, rows + 1):
        received = FIRST_DAY + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(14 * 60))
        channel_name = rng.choice(list(CHANNELS))
        category_name = rng.choice(list(CATEGORIES))
        category, department_name = CATEGORIES[category_name]
        chinese = rng.random() < 0.7
        product = f"{rng.choice(BRANDS)} {rng.choice(PRODUCTS)}"
        products = (
            [product] if rng.random() < 0.8 else [product, f"{rng.choice(BRANDS)} {rng.choice(PRODUCTS)}"]
        )
        contact = rng.random()
        name = phone = email = ""
        if contact < 0.6:
            name, phone = (
                rng.choice(["王芳", "李强", "张伟", "Emma Li", "陈静"]),
                f"139{rng.randrange(10**8):08d}",
            )
        elif contact < 0.8:
            name, email = "Li Na", f"user{number}@example.com"
        # else: nothing kept, not even on the hotline: the mapping's default name
        outcome = rng.choices(["已办结", "已答复", "处理中"], weights=[6, 3, 1])[0]
        resolved = received + timedelta(days=rng.randrange(1, 15), hours=rng.randrange(8))
        closed = resolved + timedelta(days=rng.randrange(1, 10))
        row = {
            "编号": f"R-{received.year}-{number:05d}",
            "受理时间": _when(received, rng.choice(FORMATS)),
            "来源渠道": channel_name,
            "投诉人": name,
            "联系电话": phone,
            "电子邮箱": email,
            "投诉类别": category_name,
            "标题": rng.choice(SUBJECTS_ZH if chinese else SUBJECTS_EN),
            "投诉内容": CONTENT_ZH if chinese else CONTENT_EN,
            "涉及产品": ";".join(products),
            "订单号": f"SO-{rng.randrange(10**6):06d}" if rng.random() < 0.5 else "",
            "办理状态": outcome,
            "承办部门": department_name if outcome != "处理中" or rng.random() < 0.5 else "",
            "答复时间": _when(resolved, "%Y-%m-%d %H:%M") if outcome != "处理中" else "",
            "办结时间": _when(closed, "%Y-%m-%d %H:%M") if outcome == "已办结" else "",
            "处理结果": "已处理，投诉人认可。" if outcome != "处理中" else "",
        }
        if number % refused_every == 0:
            reason = breakers[(number // refused_every) % len(breakers)]
            if reason == "unknown_value":
                row["来源渠道"] = "微博"
            elif reason == "missing":
                row["办理状态"], row["办结时间"] = "已办结", ""
            elif reason == "string_too_long":
                row["涉及产品"] = "超长产品名称" * 40
            else:
                row["编号"] = made.rows[-1]["编号"]
            made.rows.append(row)
            made.refused[reason] += 1
            continue
        made.rows.append(row)
        made.valid += 1
        made.by_channel[CHANNELS[channel_name].value] += 1
        made.by_category[category.value] += 1
        made.by_month[received.strftime("%Y-%m")] += 1
        made.by_outcome[{"已办结": "closed", "已答复": "resolved", "处理中": "open"}[outcome]] += 1
        if outcome == "处理中" and row["承办部门"]:
            made.open_with_department += 1
    return made


ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def summary(self) -> dict[str, Any]:
        """The --json summary printed on stdout."""
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed


def import_environment(database_url: str) -> dict[str, str]:
    """The environment of `tousu import` on ``database_url``: its own login, as deployed."""
    return {
        **os.environ,
        "TOUSU_DATABASE_URL": database_url,
        "TOUSU_IMPORT_DATABASE_URL": role_urls(database_url)["import_database_url"],
        "PYTHONPATH": str(ROOT),
    }


async def run_import(database_url: str, *args: str | Path) -> Ran:
    """`tousu import ARGS` in a process of its own, on ``database_url``, as the import's login."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tooling.cli",
        "import",
        *map(str, args),
        cwd=ROOT,
        env=import_environment(database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return Ran(process.returncode, out.decode(), err.decode())
