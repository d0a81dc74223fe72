"""Ed25519 signatures over a checkpoint's head: any edited field, or another key, fails."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.checkpoint import (
    AuditCheckpoint,
    StorePosition,
    next_head,
    parse_file,
    render_file,
    sign,
    write_file,
)
from shared.audit.digest import GENESIS, Leaf, fold_all
from shared.audit.keys import key_id

pytestmark = pytest.mark.unit

SIGNED_AT = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)


def leaves(n: int, start: int = 1) -> list[Leaf]:
    return [
        Leaf(1000 + i, i, f"TS-{i % 2}", i, uuid.uuid4().bytes, bytes([i]) * 32)
        for i in range(start, start + n)
    ]


def a_checkpoint(key: Ed25519PrivateKey, listed: list[Leaf]) -> AuditCheckpoint:
    last = listed[-1]
    head = next_head(
        None,
        position=StorePosition(tx_id=last.tx_id, global_position=last.global_position),
        event_count=len(listed),
        digest=fold_all(GENESIS, listed),
        signed_at=SIGNED_AT,
        signer=key_id(key.public_key()),
    )
    return sign(head, key)


def test_a_signed_checkpoint_verifies_with_its_public_key_only() -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = a_checkpoint(key, leaves(3))
    assert checkpoint.signature_valid(key.public_key())
    assert not checkpoint.signature_valid(Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    "change",
    [
        {"event_count": 2},
        {"digest": "00" * 32},
        {"position": StorePosition(tx_id=1, global_position=1)},
        {"signed_at": datetime(2027, 1, 1, tzinfo=UTC)},
        {"sequence": 2},
    ],
)
def test_editing_any_signed_field_breaks_the_signature(change: dict[str, object]) -> None:
    key = Ed25519PrivateKey.generate()
    checkpoint = a_checkpoint(key, leaves(3)).model_copy(update=change)
    assert not checkpoint.signature_valid(key.public_key())


def test_the_next_checkpoint_names_the_previous_one() -> None:
    key = Ed25519PrivateKey.generate()
    first_leaves = leaves(2)
    first = a_checkpoint(key, first_leaves)
    later = leaves(2, start=3)
    head = next_head(
        first,
        position=StorePosition(tx_id=later[-1].tx_id, global_position=later[-1].global_position),
        event_count=4,
        digest=fold_all(bytes.fromhex(first.digest), later),
        signed_at=SIGNED_AT,
        signer=key_id(key.public_key()),
    )
    assert (head.sequence, head.previous_checkpoint, head.previous_digest) == (
        2,
        first.checkpoint_hash(),
        first.digest,
    )
    assert head.previous_position == first.position and head.previous_event_count == 2


def test_a_file_round_trips_and_the_topic_message_alone_parses_too(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    listed = leaves(3)
    checkpoint = a_checkpoint(key, listed)
    path = write_file(tmp_path, checkpoint, listed)
    assert path.name == "000001.json"
    parsed = parse_file(path.read_bytes(), path)
    assert parsed.checkpoint == checkpoint and list(parsed.leaves or ()) == listed
    assert parsed.checkpoint.signature_valid(key.public_key())
    alone = parse_file(json.dumps(checkpoint.model_dump(mode="json")).encode())
    assert alone.checkpoint == checkpoint and alone.leaves is None
    assert render_file(checkpoint, listed) == path.read_bytes()


def test_a_published_file_is_never_replaced(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    listed = leaves(1)
    write_file(tmp_path, a_checkpoint(key, listed), listed)
    with pytest.raises(FileExistsError):
        write_file(tmp_path, a_checkpoint(key, listed), listed)
    assert [p.name for p in tmp_path.iterdir()] == ["000001.json"]
