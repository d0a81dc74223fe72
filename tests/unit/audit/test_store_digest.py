"""The store digest: a fixed leaf encoding, folded in order; any change to a leaf changes it."""

from __future__ import annotations

import hashlib
import struct
import uuid

import pytest

from shared.audit.digest import GENESIS, Leaf, fold, fold_all

pytestmark = pytest.mark.unit

EVENT = uuid.UUID("12345678-1234-5678-1234-567812345678")


def a_leaf(**changes: object) -> Leaf:
    leaf = Leaf(4100, 7, "TS-20260105-000001", 2, EVENT.bytes, bytes(range(32)))
    return leaf._replace(**changes)  # type: ignore[arg-type]


def test_a_leaf_is_fixed_width_fields_then_the_stream_id() -> None:
    stream = b"TS-20260105-000001"
    expected = struct.pack(">QQI16s32sH", 4100, 7, 2, EVENT.bytes, bytes(range(32)), len(stream)) + stream
    assert a_leaf().encode() == expected
    assert fold(GENESIS, a_leaf()) == hashlib.sha256(bytes(32) + expected).digest()


def test_a_non_ascii_stream_id_is_counted_in_bytes() -> None:
    leaf = a_leaf(stream_id="投诉-1")
    assert leaf.encode().endswith(struct.pack(">H", len("投诉-1".encode())) + "投诉-1".encode())


@pytest.mark.parametrize(
    "change",
    [
        {"tx_id": 4101},
        {"global_position": 8},
        {"stream_id": "TS-20260105-000002"},
        {"stream_version": 3},
        {"event_id": uuid.uuid4().bytes},
        {"hash": bytes(32)},
    ],
)
def test_every_field_of_a_leaf_changes_the_digest(change: dict[str, object]) -> None:
    assert fold(GENESIS, a_leaf(**change)) != fold(GENESIS, a_leaf())


def test_the_order_of_leaves_changes_the_digest() -> None:
    first, second = a_leaf(), a_leaf(global_position=8, event_id=uuid.uuid4().bytes)
    assert fold_all(GENESIS, [first, second]) != fold_all(GENESIS, [second, first])


def test_a_digest_continues_where_the_previous_checkpoint_stopped() -> None:
    leaves = [a_leaf(global_position=n, event_id=uuid.uuid4().bytes) for n in range(1, 6)]
    assert fold_all(fold_all(GENESIS, leaves[:2]), leaves[2:]) == fold_all(GENESIS, leaves)


def test_a_leaf_survives_its_json_form() -> None:
    leaf = a_leaf()
    assert Leaf.from_json(leaf.to_json()) == leaf
    assert leaf.to_json()[4] == str(EVENT)
    with pytest.raises(ValueError, match="32 bytes"):
        Leaf.from_json([1, 2, "s", 1, str(EVENT), "abcd"])
