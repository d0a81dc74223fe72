"""The cheap bound that lets the duplicate check skip most full comparisons never undercuts them."""

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from services.intake.duplicates import similarity, similarity_bound

SUBJECTS = st.text(alphabet="洗衣机漏水abc123", max_size=12)


@given(SUBJECTS, SUBJECTS)
def test_the_bound_is_never_below_the_similarity(a: str, b: str) -> None:
    assert similarity_bound(a, b, Counter(a)) >= similarity(a, b)


def test_equal_and_empty_subjects() -> None:
    assert similarity_bound("漏水", "漏水", Counter("漏水")) == 1.0
    assert similarity_bound("", "漏水", Counter()) == 0.0
    assert similarity_bound("洗衣机漏水12", "洗衣机漏水345", Counter("洗衣机漏水12")) < 0.8
