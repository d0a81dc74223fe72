"""The key ring: key-encryption keys (KEKs) kept in a file outside PostgreSQL.

Each complainant key is stored in the database only wrapped (AES-256-GCM) by the KEK of its
bucket (:func:`bucket_of`, 64 buckets by complainant id). The KEKs never enter the database, so
never its heap, WAL, indexes or backups. Erasing a complainant gives their bucket a new KEK,
re-wraps the bucket's other keys under it and then drops the old KEK from this file: the old
wrapped key left in heap pages and WAL segments can no longer be unwrapped by anybody.

One file per database (named by the database's ``privacy_key_ring.ring_id``), JSON, mode 0600,
always replaced whole: written to a temporary file, fsynced, renamed over the old one, and the
directory fsynced, so the old content is in no file once the rename is durable. Writers hold an
exclusive ``flock`` on a lock file beside it and re-read the file before changing it, so several
processes on one host (or on one shared volume with working locks) never lose each other's KEKs.

A bucket may hold several KEKs for a moment (an erasure's new one before its transaction
commits): :meth:`KeyRing.current` is the newest, and the database's ``privacy_key_buckets``
says which one the bucket's rows are wrapped under.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

BUCKETS = 64
"""Buckets of complainant keys; fixed (the ``bucket`` column of migration 0018 computes it).
An erasure re-wraps the keys of one bucket: about 1/64 of all complainants."""
FORMAT = 1
KEK_BYTES = 32
NONCE_BYTES = 12
WRAPPED_BYTES = NONCE_BYTES + 32 + 16
"""nonce, the wrapped 256-bit key, the GCM tag."""


class KeyRingMissing(RuntimeError):
    """The database has wrapped keys but their key ring file is not where it should be."""


class UnknownKek(LookupError):
    """A wrapped key names a KEK this ring does not hold (dropped, or a ring of another database)."""


def bucket_of(complainant_id: UUID) -> int:
    """The bucket of a complainant: the first two bytes of the id, modulo :data:`BUCKETS`
    (the same expression as the generated ``bucket`` column in the database)."""
    raw = complainant_id.bytes
    return (raw[0] * 256 + raw[1]) % BUCKETS


def _aad(complainant_id: UUID, kek_id: UUID) -> bytes:
    """Binds a wrapped key to its complainant and KEK: copied to another row it does not open."""
    return b"tousu:complainant-key:" + complainant_id.bytes + kek_id.bytes


@dataclass(frozen=True)
class Kek:
    id: UUID
    bucket: int
    generation: int
    secret: bytes

    def wrap(self, complainant_id: UUID, key: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.secret).encrypt(nonce, key, _aad(complainant_id, self.id))

    def unwrap(self, complainant_id: UUID, wrapped: bytes) -> bytes:
        try:
            return AESGCM(self.secret).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _aad(complainant_id, self.id)
            )
        except InvalidTag as error:
            raise UnknownKek(f"the key of {complainant_id} does not unwrap with KEK {self.id}") from error


def new_kek(bucket: int, generation: int) -> Kek:
    return Kek(uuid4(), bucket, generation, secrets.token_bytes(KEK_BYTES))


def ring_path(directory: Path, ring_id: UUID) -> Path:
    return directory / f"{ring_id}.keyring"


def _encode(ring_id: UUID, keks: dict[UUID, Kek]) -> bytes:
    body = {
        "format": FORMAT,
        "ring_id": str(ring_id),
        "keks": [
            {
                "id": str(k.id),
                "bucket": k.bucket,
                "generation": k.generation,
                "key": base64.b64encode(k.secret).decode(),
            }
            for k in sorted(keks.values(), key=lambda k: (k.bucket, k.generation))
        ],
    }
    return json.dumps(body, indent=1).encode()


def _decode(data: bytes, path: Path) -> tuple[UUID, dict[UUID, Kek]]:
    body = json.loads(data)
    if body.get("format") != FORMAT:
        raise KeyRingMissing(f"{path}: not a key ring of format {FORMAT}")
    keks = {}
    for item in body["keks"]:
        kek = Kek(
            UUID(item["id"]), int(item["bucket"]), int(item["generation"]), base64.b64decode(item["key"])
        )
        keks[kek.id] = kek
    return UUID(body["ring_id"]), keks


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view) :]


def _replace(path: Path, content: bytes) -> None:
    """Write ``content`` to a new file, fsync it, rename it over ``path``, fsync the directory."""
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _remove_leftovers(path: Path) -> None:
    """Temporary files of writers that crashed before their rename may hold dropped KEKs."""
    for leftover in path.parent.glob(f"{path.name}.tmp-*"):
        leftover.unlink(missing_ok=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class KeyRing:
    """The KEKs of one database, as read from its key ring file (re-read when the file changes)."""

    def __init__(self, path: Path, ring_id: UUID, keks: dict[UUID, Kek], stamp: tuple[int, int]) -> None:
        self.path = path
        self.ring_id = ring_id
        self._keks = keks
        self._stamp = stamp

    # -- reading -------------------------------------------------------------------------------

    @staticmethod
    def _stamp_of(path: Path) -> tuple[int, int]:
        info = path.stat()
        return info.st_ino, info.st_mtime_ns

    @classmethod
    def load(cls, path: Path) -> KeyRing:
        try:
            stamp = cls._stamp_of(path)
            ring_id, keks = _decode(path.read_bytes(), path)
        except FileNotFoundError:
            raise KeyRingMissing(f"no key ring at {path}") from None
        return cls(path, ring_id, keks, stamp)

    def refresh(self) -> None:
        """Re-read the file when another process replaced it (a rotated KEK, a dropped one)."""
        try:
            stamp = self._stamp_of(self.path)
        except FileNotFoundError:
            raise KeyRingMissing(f"the key ring {self.path} has disappeared") from None
        if stamp != self._stamp:
            fresh = KeyRing.load(self.path)
            self._keks, self._stamp = fresh._keks, fresh._stamp

    def kek(self, kek_id: UUID) -> Kek | None:
        return self._keks.get(kek_id)

    def keks(self) -> list[Kek]:
        return list(self._keks.values())

    def of_bucket(self, bucket: int) -> list[Kek]:
        return sorted((k for k in self._keks.values() if k.bucket == bucket), key=lambda k: k.generation)

    def current(self, bucket: int) -> Kek:
        keks = self.of_bucket(bucket)
        if not keks:
            raise UnknownKek(f"the key ring {self.path} has no KEK for bucket {bucket}")
        return keks[-1]

    def unwrap(self, complainant_id: UUID, kek_id: UUID, wrapped: bytes) -> bytes:
        """The complainant's key; re-reads the file once when the KEK is not known yet."""
        kek = self.kek(kek_id)
        if kek is None:
            self.refresh()
            kek = self.kek(kek_id)
        if kek is None:
            raise UnknownKek(f"the key ring {self.path} has no KEK {kek_id}")
        return kek.unwrap(complainant_id, wrapped)

    # -- writing -------------------------------------------------------------------------------

    def edit(self, change: Callable[[dict[UUID, Kek]], dict[UUID, Kek]]) -> None:
        """Apply ``change`` to the file's current KEKs and replace the file, under the lock."""
        with _locked(self.path):
            _, keks = _decode(self.path.read_bytes(), self.path)
            _replace(self.path, _encode(self.ring_id, change(dict(keks))))
            _remove_leftovers(self.path)
            self._keks, self._stamp = _decode(self.path.read_bytes(), self.path)[1], self._stamp_of(self.path)

    def add_kek(self, bucket: int) -> Kek:
        """A new newest KEK for ``bucket``, durable in the file before it wraps anything."""
        made: list[Kek] = []

        def add(keks: dict[UUID, Kek]) -> dict[UUID, Kek]:
            generation = max((k.generation for k in keks.values() if k.bucket == bucket), default=0) + 1
            kek = new_kek(bucket, generation)
            made.append(kek)
            return {**keks, kek.id: kek}

        self.edit(add)
        return made[0]

    def keep_only(self, bucket: int, kek_id: UUID) -> bool:
        """Drop every other KEK of ``bucket`` (destroying them); True when one was dropped."""
        dropped: list[UUID] = []

        def keep(keks: dict[UUID, Kek]) -> dict[UUID, Kek]:
            if kek_id not in keks:
                raise UnknownKek(f"the key ring {self.path} has no KEK {kek_id} to keep")
            dropped.extend(i for i, k in keks.items() if k.bucket == bucket and i != kek_id)
            return {i: k for i, k in keks.items() if i not in dropped}

        if all(k.id == kek_id for k in self.of_bucket(bucket)):
            self.refresh()
            if all(k.id == kek_id for k in self.of_bucket(bucket)):
                return False
        self.edit(keep)
        return bool(dropped)

    def back_up(self, directory: Path, stamp: str) -> Path:
        """Copy the file, as writers leave it, to ``directory`` (made 0700 if missing)."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = directory / f"{self.path.name}.{stamp}"
        with _locked(self.path):
            content = self.path.read_bytes()
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        _fsync_dir(directory)
        return target

    @classmethod
    def create(cls, path: Path, ring_id: UUID) -> KeyRing:
        """A new ring with one fresh KEK per bucket, unless another process made it first."""
        with _locked(path):
            if not path.exists():
                keks = {k.id: k for k in (new_kek(b, 1) for b in range(BUCKETS))}
                _replace(path, _encode(ring_id, keks))
        return cls.load(path)
