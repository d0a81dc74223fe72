"""Masking shows enough to recognise a record, not to contact or identify the person."""

from __future__ import annotations

import pytest

from shared.privacy.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_reference,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("欧阳娜娜", "欧***"), ("John", "J***"), ("李", "*"), (" 王芳 ", "王*")],
)
def test_names_keep_their_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("+8613812345678", "+86*******5678"), ("5551234", "*****34")],
)
def test_phones_keep_the_first_three_and_last_four_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_emails_keep_the_first_letter_and_the_domain() -> None:
    assert mask_email("alice@x.com") == "a***@x.com"
    assert mask_email("li.na@example.cn") == "l***@example.cn"


def test_id_numbers_keep_the_first_three_and_last_four() -> None:
    assert mask_id_number("110101199003074514") == "110***********4514"
    assert mask_id_number("1234567") == "*******"


def test_addresses_and_references_show_little() -> None:
    assert mask_address("北京市朝阳区建国路88号") == "北京市朝阳区***"
    assert mask_reference("E1024") == "*1024"


def test_nothing_stays_nothing() -> None:
    for mask in (mask_name, mask_phone, mask_email, mask_id_number, mask_address, mask_reference):
        assert mask(None) is None
