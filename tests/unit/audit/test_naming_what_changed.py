"""diff_leaves: each kind of change between a checkpoint's leaves and the store's is named."""

from __future__ import annotations

import uuid

import pytest

from shared.audit.digest import Leaf
from shared.audit.findings import Kind
from shared.audit.store_compare import capped, diff_leaves

pytestmark = pytest.mark.unit


def history() -> list[Leaf]:
    """Two streams, A (versions 1-3) and B (1-2), interleaved in commit order."""
    order = [("A", 1), ("B", 1), ("A", 2), ("B", 2), ("A", 3)]
    return [
        Leaf(100 + n, n, stream, version, uuid.uuid4().bytes, bytes([n]) * 32)
        for n, (stream, version) in enumerate(order, start=1)
    ]


def kinds(expected: list[Leaf], actual: list[Leaf], **kwargs: object) -> list[Kind]:
    return [f.kind for f in diff_leaves(expected, actual, checkpoint="checkpoint 1", **kwargs)]  # type: ignore[arg-type]


def test_the_same_leaves_give_nothing() -> None:
    leaves = history()
    assert kinds(leaves, list(leaves)) == []


def test_a_deleted_event_and_a_truncated_tail() -> None:
    leaves = history()
    assert kinds(leaves, leaves[:2] + leaves[3:]) == [Kind.DELETED]
    assert kinds(leaves, leaves[:-1]) == [Kind.DELETED]  # one event: a deletion
    assert kinds(leaves, leaves[:-2]) == [Kind.TRUNCATED]


def test_an_inserted_event() -> None:
    leaves = history()
    forged = Leaf(101, 9, "C", 1, uuid.uuid4().bytes, bytes(32))
    assert kinds(leaves, [*leaves, forged]) == [Kind.INSERTED]


def test_a_changed_hash_is_rewritten_where_the_chain_verifies_and_altered_where_not() -> None:
    leaves = history()
    changed = [
        leaf if leaf.stream_id == "B" or leaf.stream_version < 2 else leaf._replace(hash=bytes(32))
        for leaf in leaves
    ]
    findings = diff_leaves(leaves, changed, checkpoint="checkpoint 1")
    assert [f.kind for f in findings] == [Kind.REWRITTEN]
    assert "version 2," in findings[0].message and "versions 2–3" in findings[0].message
    assert kinds(leaves, changed, broken_streams={"A"}) == [Kind.ALTERED]


def test_moved_events_are_reordered() -> None:
    leaves = history()
    a, b = leaves[0], leaves[1]
    swapped = [a._replace(tx_id=b.tx_id), b._replace(tx_id=a.tx_id), *leaves[2:]]
    assert kinds(leaves, swapped) == [Kind.REORDERED, Kind.REORDERED]
    moved_out = leaves[1]._replace(tx_id=999)
    assert kinds(leaves, [leaves[0], *leaves[2:]], now_elsewhere={moved_out.event_id: moved_out}) == [
        Kind.REORDERED
    ]


def test_long_lists_are_cut_with_a_count() -> None:
    leaves = [Leaf(n, n, f"S{n}", 1, uuid.uuid4().bytes, bytes(32)) for n in range(1, 61)]
    findings = diff_leaves(leaves, leaves[::2], checkpoint="checkpoint 1")  # every other one gone
    assert [f.kind for f in findings] == [Kind.DELETED] * 30
    shown = capped(findings)
    assert len(shown) == 21 and shown[-1].line() == "DELETED: … and 10 more deleted events"
