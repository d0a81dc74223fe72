"""Checking published checkpoints among themselves: a gap, a broken link or edited leaves is named,
and only a linked run of files with their leaves names events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.chain_of_checkpoints import check_checkpoints
from shared.audit.checkpoint import ORIGIN, AuditCheckpoint, CheckpointFile, StorePosition, next_head, sign
from shared.audit.digest import GENESIS, Leaf, fold_all
from shared.audit.findings import Kind
from shared.audit.keys import key_id

pytestmark = pytest.mark.unit

KEY = Ed25519PrivateKey.generate()
KEYS = {key_id(KEY.public_key()): KEY.public_key()}


def chain(segments: int, per_segment: int = 2) -> list[CheckpointFile]:
    files: list[CheckpointFile] = []
    previous: AuditCheckpoint | None = None
    n = 0
    for _ in range(segments):
        listed = []
        for _ in range(per_segment):
            n += 1
            listed.append(Leaf(n, n, "S", n, uuid.uuid4().bytes, bytes([n]) * 32))
        head = next_head(
            previous,
            position=StorePosition(tx_id=n, global_position=n),
            event_count=n,
            digest=fold_all(bytes.fromhex(previous.digest) if previous else GENESIS, listed),
            signed_at=datetime(2026, 1, 5, tzinfo=UTC),
            signer=key_id(KEY.public_key()),
        )
        previous = sign(head, KEY)
        files.append(CheckpointFile(checkpoint=previous, leaves=tuple(listed)))
    return files


def test_a_whole_chain_names_every_event() -> None:
    findings, reference = check_checkpoints(chain(3), KEYS)
    assert findings == [] and reference is not None
    assert reference.names_every_event and len(reference.leaves) == 6
    assert reference.latest.checkpoint.sequence == 3


def test_a_missing_checkpoint_is_named_and_names_only_events_after_it() -> None:
    files = chain(4)
    findings, reference = check_checkpoints([files[0], files[2], files[3]], KEYS)
    assert [f.kind for f in findings] == [Kind.CHAIN]
    assert "checkpoint 2 missing" in findings[0].message
    assert reference is not None and not reference.names_every_event
    assert reference.base_position == files[1].checkpoint.position and len(reference.leaves) == 4


def test_edited_leaves_do_not_count() -> None:
    files = chain(2)
    edited = list(files[1].leaves or ())
    edited[0] = edited[0]._replace(hash=bytes(32))
    files[1] = CheckpointFile(checkpoint=files[1].checkpoint, leaves=tuple(edited))
    findings, reference = check_checkpoints(files, KEYS)
    assert [f.kind for f in findings] == [Kind.FORGED]
    assert "do not give its signed digest" in findings[0].message
    # the newest file's leaves are not believed: the store is still compared with every signed
    # digest, but events are named only from a run of listed leaves that reaches the newest
    assert reference is not None and reference.base_position == files[1].checkpoint.position
    assert reference.leaves == []


def test_a_checkpoint_that_does_not_continue_its_predecessor_breaks_the_chain() -> None:
    files = chain(2)
    other = chain(2)[1]  # a second history's checkpoint 2, signed with the same key
    findings, reference = check_checkpoints([files[0], other], KEYS)
    assert [f.kind for f in findings] == [Kind.CHAIN]
    assert "does not continue" in findings[0].message
    assert reference is not None and reference.latest.checkpoint == other.checkpoint
    assert reference.base_position != ORIGIN
