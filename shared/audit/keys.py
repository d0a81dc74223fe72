"""The checkpoint signing key: Ed25519, held in a file or an environment secret, never in the
database.

The private key is PEM (PKCS#8, unencrypted: the process that signs must read it unattended; the
file's permissions and the secret store protect it). Auditors get the public key as PEM
(SubjectPublicKeyInfo), the form `openssl pkey -pubin` reads. A key is named by its key id: the
first 16 hex digits of SHA-256 over the raw 32-byte public key; every checkpoint says which key
signed it, so a rotated key's checkpoints stay verifiable with the old public key.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from shared.settings import Settings


class AuditKeyError(Exception):
    """A key that cannot be read, said in words."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_private_key(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise AuditKeyError(f"{source} is not an unencrypted PEM private key ({error})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{source} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def parse_public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise AuditKeyError(f"{source} is not a PEM public key ({error})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{source} holds a {type(key).__name__}, not an Ed25519 public key")
    return key


def default_key_file(data_dir: Path) -> Path:
    return data_dir / "audit" / "signing-key.pem"


def configured_key_file(settings: Settings) -> Path | None:
    """The key file the settings name, else the data directory's if `tousu up` made one."""
    if settings.audit_signing_key_file is not None:
        return settings.audit_signing_key_file
    default = default_key_file(settings.data_dir)
    return default if default.exists() else None


def load_signing_key(settings: Settings) -> Ed25519PrivateKey | None:
    """The configured signing key; None when none is configured (no checkpoints are made)."""
    if settings.audit_signing_key is not None:
        secret = settings.audit_signing_key.get_secret_value().strip()
        if secret:
            return parse_private_key(secret.encode(), "TOUSU_AUDIT_SIGNING_KEY")
    path = configured_key_file(settings)
    if path is None:
        return None
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise AuditKeyError(f"cannot read the signing key {path}: {error.strerror or error}") from None
    return parse_private_key(pem, str(path))


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key file; a private key file also gives its public key (the operator's own check)."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise AuditKeyError(f"cannot read the public key {path}: {error.strerror or error}") from None
    if b"PRIVATE KEY" in pem:
        return parse_private_key(pem, str(path)).public_key()
    return parse_public_key(pem, str(path))


def ensure_key_file(path: Path) -> bool:
    """Create a new signing key at ``path`` (mode 0600) and its public key beside it
    (``<name>.pub.pem``) unless the key exists; True when it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    # O_EXCL: two starts at once must not both write a key (one would sign with a lost key)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out:
        out.write(private_pem(key))
        out.flush()
        os.fsync(out.fileno())
    public_path(path).write_bytes(public_pem(key.public_key()))
    return True


def public_path(key_file: Path) -> Path:
    return key_file.with_name(key_file.name.removesuffix(".pem") + ".pub.pem")
