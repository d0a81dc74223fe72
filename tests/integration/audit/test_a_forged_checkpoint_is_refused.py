"""A checkpoint altered after signing, or signed with another key, is refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.audit.checkpoint import read_file, render_file, sign
from shared.audit.keys import key_id
from tests.integration.audit.conftest import Audited

pytestmark = pytest.mark.integration


async def test_an_edited_checkpoint_does_not_verify(audited: Audited) -> None:
    [path] = await audited.checkpoint()
    document = json.loads(path.read_text())
    document["checkpoint"]["event_count"] -= 1  # hide an event the attacker deleted
    path.write_text(json.dumps(document))

    code, out = await audited.verify(path)
    assert code == 1, out
    assert "FORGED: 000001.json (checkpoint 1): the signature does not verify" in out


async def test_a_checkpoint_signed_with_another_key_does_not_verify(audited: Audited, tmp_path: Path) -> None:
    [path] = await audited.checkpoint()
    genuine = read_file(path)
    attacker = Ed25519PrivateKey.generate()
    head = genuine.checkpoint.head().model_copy(update={"key_id": key_id(attacker.public_key())})
    forged = tmp_path / "forged.json"
    forged.write_bytes(render_file(sign(head, attacker), genuine.leaves or ()))

    code, out = await audited.verify(forged)
    assert code == 1, out
    assert f"names signing key {key_id(attacker.public_key())}, which is none of the public keys given" in out
