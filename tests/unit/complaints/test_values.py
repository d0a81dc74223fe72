"""Every value a user sees has a Chinese and an English label."""

from __future__ import annotations

from enum import StrEnum

import pytest

from shared.complaints import DEPARTMENTS, LABELS, Category, Channel, Status, label
from shared.complaints.values import FINAL_STATUSES, OPEN_STATUSES

pytestmark = pytest.mark.unit

ALL_VALUES = [value for enum in LABELS for value in enum]


@pytest.mark.parametrize("value", ALL_VALUES, ids=lambda v: f"{type(v).__name__}.{v.name}")
def test_every_enum_value_has_both_labels(value: StrEnum) -> None:
    zh, en = label(value, "zh-CN"), label(value, "en")
    assert zh and en and zh != en
    assert en.isascii()
    assert not zh.isascii()


def test_labels_in_both_languages() -> None:
    assert label(Category.PRODUCT_QUALITY, "zh-CN") == "产品质量"
    assert label(Category.PRODUCT_QUALITY, "en") == "Product quality"
    assert label(Channel.HOTLINE, "zh-CN") == "客服热线"
    assert label(Channel.HOTLINE, "en") == "Hotline"
    assert label(Status.RECEIVED) == "已受理"


def test_department_codes_have_labels_and_unknown_ones_show_as_themselves() -> None:
    assert label("hr", "zh-CN") == "人力资源部"
    assert label("administration", "en") == "Administration"
    assert label("legal", "zh-CN") == "legal"
    for code, labels in DEPARTMENTS.items():
        assert set(labels) == {"zh-CN", "en"}, code


def test_equal_codes_of_different_enums_keep_their_own_labels() -> None:
    assert label(Category.AFTER_SALES, "zh-CN") == "售后服务"
    assert label("after_sales", "zh-CN") == "售后服务部"


def test_final_and_open_statuses_split_every_status() -> None:
    assert {
        Status.CLOSED,
        Status.WITHDRAWN,
        Status.CLOSED_NOT_COMPLAINT,
        Status.CORRECTION_LAPSED,
        Status.MERGED,
    } == FINAL_STATUSES
    assert set(Status) == FINAL_STATUSES | OPEN_STATUSES
    assert not FINAL_STATUSES & OPEN_STATUSES
