"""One row of a history file → a submission and its history, or every reason it is refused
(field, code, English and Chinese). History is not asked for contact details a live channel
must send; live submissions still are."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from services.intake.importing.mapping import parse_mapping
from services.intake.importing.rows import Prepared, Refusal, history_policy, prepare
from services.intake.importing.source import Record
from services.intake.policy import load_policy
from services.intake.schemas import ComplaintSubmission
from shared.complaints import Channel, HistoricalOutcome
from tests.support.history_register import MAPPING

pytestmark = pytest.mark.unit

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 5, tzinfo=UTC)
POLICY = load_policy()
MAP = parse_mapping(MAPPING.read_text(encoding="utf-8"))
LONG_PRODUCT = (
    "某某牌 XQG100-BD14376LU 10公斤滚筒洗衣机 变频 除菌 家用全自动 洗烘一体 银色 2023款 京东自营官方旗舰店"
)


def row(**cells: str) -> Record:
    base = {
        "编号": "R-1",
        "受理时间": "2021-03-08 09:12",
        "来源渠道": "电话",
        "投诉人": "",
        "联系电话": "",
        "电子邮箱": "",
        "投诉类别": "产品质量",
        "标题": "洗衣机漏水",
        "投诉内容": "购买一个月的洗衣机底部漏水。",
        "涉及产品": LONG_PRODUCT,
        "订单号": "",
        "办理状态": "已办结",
        "承办部门": "质量部",
        "答复时间": "2021/03/10 15:00",
        "办结时间": "2021-03-15T10:00:00+08:00",
        "处理结果": "已更换排水泵。",
    }
    return Record(7, {**base, **cells})


def prepared(record: Record) -> Prepared:
    result = prepare(record, MAP, history_policy(POLICY), ZONE, NOW)
    assert isinstance(result, Prepared), result
    return result


def refused(record: Record) -> list[Refusal]:
    result = prepare(record, MAP, history_policy(POLICY), ZONE, NOW)
    assert isinstance(result, list), result
    return result


def test_a_hotline_record_without_contact_details_is_imported_with_the_default_name() -> None:
    ready = prepared(row())
    assert ready.submission.channel is Channel.HOTLINE
    assert ready.submission.complainant is not None and ready.submission.complainant.name == "未留姓名"
    assert ready.submission.complainant.phone is None
    # a live hotline submission must still carry the phone number
    assert POLICY.missing_fields(ready.submission) == ["complainant.phone"]


def test_values_dates_and_outcome_are_mapped() -> None:
    ready = prepared(row())
    assert ready.row_id == "R-1" and ready.row == 7
    assert ready.submission.received_at == datetime(2021, 3, 8, 1, 12, tzinfo=UTC)  # 09:12 in Shanghai
    assert ready.submission.product_refs == [LONG_PRODUCT] and len(LONG_PRODUCT) > 64
    assert ready.history.outcome is HistoricalOutcome.CLOSED
    assert ready.history.department == "quality"
    assert ready.history.resolved_at == datetime(2021, 3, 10, 7, 0, tzinfo=UTC)
    assert ready.history.closed_at == datetime(2021, 3, 15, 2, 0, tzinfo=UTC)
    assert ready.history.source == "legacy-register" and ready.history.row_id == "R-1"


def test_referrals_and_codes_pass() -> None:
    assert prepared(row(来源渠道="市场监管局转办")).submission.channel is Channel.REFERRAL
    assert prepared(row(来源渠道="referral")).submission.channel is Channel.REFERRAL


def test_an_open_record_keeps_no_dates_and_the_subject_comes_from_the_content() -> None:
    ready = prepared(row(办理状态="处理中", 标题=""))
    assert ready.history.outcome is HistoricalOutcome.OPEN
    assert ready.history.resolved_at is None and ready.history.closed_at is None
    assert ready.submission.subject == "购买一个月的洗衣机底部漏水。"


def test_every_problem_of_a_row_is_reported_in_both_languages() -> None:
    problems = refused(row(来源渠道="微博", 投诉类别="口味", 办结时间="", 受理时间="去年春天"))
    found = {(p.field, p.code) for p in problems}
    assert found == {
        ("channel", "unknown_value"),
        ("category", "unknown_value"),
        ("received_at", "invalid_date"),
        ("closed_at", "missing"),
    }
    for problem in problems:
        assert (problem.row, problem.row_id) == (7, "R-1")
        assert problem.message and problem.message_zh and problem.message != problem.message_zh
    [channel] = [p for p in problems if p.field == "channel"]
    assert "微博" in channel.message and "微博" in channel.message_zh


def test_a_product_name_over_the_limit_is_refused_naming_it() -> None:
    [problem] = refused(row(涉及产品="长" * 201))
    assert (problem.field, problem.code) == ("product_refs", "string_too_long")
    assert problem.message_zh == "超过 200 个字符"


@pytest.mark.parametrize(
    ("cells", "field", "code"),
    [
        ({"答复时间": "2021-03-01 10:00"}, "resolved_at", "before_receipt"),
        ({"办结时间": "2030-01-01 10:00"}, "closed_at", "in_future"),
        ({"受理时间": "2030-01-01 10:00", "办理状态": "处理中"}, "received_at", "in_future"),
        ({"编号": ""}, "row_id", "missing"),
        ({"投诉内容": "", "标题": ""}, "content", "missing"),
    ],
)
def test_dates_and_ids_are_checked(cells: dict[str, str], field: str, code: str) -> None:
    assert (field, code) in {(p.field, p.code) for p in refused(row(**cells))}


def test_the_same_row_has_the_same_digest() -> None:
    assert prepared(row()).digest == prepared(row()).digest
    assert prepared(row()).digest != prepared(row(处理结果="已退款。")).digest


def test_history_keeps_every_other_required_field() -> None:
    policy = history_policy(POLICY)
    submission = ComplaintSubmission.model_validate(
        {
            "channel": "after_sales_revisit",
            "complainant_kind": "customer",
            "complainant": {"name": "某人"},
            "category": "after_sales",
            "subject": "回访投诉",
            "content": "回访时提出不满。",
        }
    )
    assert policy.missing_fields(submission) == ["order_refs"]
