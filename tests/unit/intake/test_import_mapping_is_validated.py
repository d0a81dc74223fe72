"""The mapping file of `tousu import` is checked before any row is read: every problem is named
with its line; the checked-in sample is valid."""

from __future__ import annotations

import pytest

from services.intake.importing.mapping import MappingFileError, parse_mapping
from tests.support.history_register import MAPPING

pytestmark = pytest.mark.unit

VALID = """\
source: crm
row_id: id
columns: {received_at: when, content: text, channel: via}
defaults: {category: other}
"""


def test_the_sample_mapping_is_valid() -> None:
    mapping = parse_mapping(MAPPING.read_text(encoding="utf-8"), str(MAPPING))
    assert mapping.source == "legacy-register"
    assert mapping.values["channel"]["市场监管局转办"] == "referral"


def test_a_minimal_mapping() -> None:
    mapping = parse_mapping(VALID)
    assert mapping.columns["channel"] == "via" and mapping.defaults["category"] == "other"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            VALID + "values: {channel: {微博: weibo}}\n",
            "<mapping>:5: values.channel.微博: 'weibo' is not a channel code",
        ),
        (
            VALID.replace("defaults: {category: other}", "defaults: {category: quality}"),
            "<mapping>:4: defaults.category",
        ),
        (VALID.replace("received_at: when, ", ""), "columns must name the column of received_at"),
        (VALID.replace("defaults: {category: other}\n", ""), "category needs a column"),
        (VALID + "colums: {}\n", "unknown key 'colums'"),
        (VALID + "timezone: Mars/Olympus\n", "unknown time zone 'Mars/Olympus'"),
        (VALID.replace("source: crm", "source: my crm"), "source"),
        (VALID.replace("content: text", "contents: text"), "columns.contents"),
    ],
)
def test_problems_are_named_with_their_line(text: str, expected: str) -> None:
    with pytest.raises(MappingFileError) as raised:
        parse_mapping(text)
    assert expected in str(raised.value)
