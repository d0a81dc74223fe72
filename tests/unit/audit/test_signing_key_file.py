"""The signing key: `tousu up` creates one (mode 0600, public key beside it) on the first start
unless one is configured; processes find it in the data directory, or take the configured one."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretStr

from shared.audit.keys import (
    AuditKeyError,
    ensure_key_file,
    key_id,
    load_public_key,
    load_signing_key,
    private_pem,
)
from shared.settings import Settings
from tooling.stack.up import Stack, plan_stack

pytestmark = pytest.mark.unit


def test_a_new_key_is_private_and_its_public_key_lies_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "audit" / "signing-key.pem"
    assert ensure_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = load_signing_key(Settings(data_dir=tmp_path))  # found in the data directory
    assert key is not None
    assert key_id(load_public_key(tmp_path / "audit" / "signing-key.pub.pem")) == key_id(key.public_key())
    assert not ensure_key_file(path)  # kept, never replaced
    assert key_id(load_signing_key(Settings(data_dir=tmp_path)).public_key()) == key_id(key.public_key())  # type: ignore[union-attr]


def test_no_key_configured_means_no_key(tmp_path: Path) -> None:
    assert load_signing_key(Settings(data_dir=tmp_path)) is None


def test_a_key_from_the_environment_wins_and_a_bad_one_is_said_in_words(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    ensure_key_file(tmp_path / "audit" / "signing-key.pem")
    settings = Settings(data_dir=tmp_path, audit_signing_key=SecretStr(private_pem(key).decode()))
    assert key_id(load_signing_key(settings).public_key()) == key_id(key.public_key())  # type: ignore[union-attr]
    with pytest.raises(AuditKeyError, match="TOUSU_AUDIT_SIGNING_KEY is not an unencrypted PEM private key"):
        load_signing_key(Settings(audit_signing_key=SecretStr("not a key")))
    with pytest.raises(AuditKeyError, match="cannot read the signing key"):
        load_signing_key(Settings(audit_signing_key_file=tmp_path / "missing.pem"))


def test_tousu_up_creates_a_key_on_its_first_start_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in list(os.environ):
        if name.upper().startswith("TOUSU_"):
            monkeypatch.delenv(name)
    reports: list[str] = []
    stack = Stack(plan_stack(str(tmp_path), []), report=reports.append)
    stack.ensure_audit_key()
    stack.ensure_audit_key()
    key_file = tmp_path.resolve() / "audit" / "signing-key.pem"
    public = key_file.with_name("signing-key.pub.pem")
    assert reports == [
        f"audit: created a checkpoint signing key {key_file} (public key {public})",
        f"audit: signing checkpoints with {key_file}",
    ]

    monkeypatch.setenv("TOUSU_AUDIT_SIGNING_KEY_FILE", str(tmp_path / "elsewhere.pem"))
    configured = Stack(plan_stack(str(tmp_path / "other"), []), report=reports.append)
    configured.ensure_audit_key()
    assert reports[-1] == "audit: signing checkpoints with the configured key"
    assert not (tmp_path / "other" / "audit").exists()
