"""The key ring file: a dropped KEK is in no file of the directory, a wrapped key opens only for
its own complainant and KEK, and a writer that crashed mid-write leaves nothing behind."""

from __future__ import annotations

import base64
from pathlib import Path
from uuid import uuid4

import pytest

from shared.privacy.keyring import BUCKETS, KeyRing, KeyRingMissing, UnknownKek, bucket_of, ring_path

pytestmark = pytest.mark.unit


def every_byte(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file())


def test_a_new_ring_has_one_kek_per_bucket_and_a_private_file(tmp_path: Path) -> None:
    ring = KeyRing.create(ring_path(tmp_path, uuid4()), uuid4())
    assert sorted(k.bucket for k in ring.keks()) == list(range(BUCKETS))
    assert ring.path.stat().st_mode & 0o777 == 0o600


def test_a_wrapped_key_opens_only_for_its_complainant_and_kek(tmp_path: Path) -> None:
    ring = KeyRing.create(ring_path(tmp_path, uuid4()), uuid4())
    complainant, key = uuid4(), bytes(range(32))
    kek = ring.current(bucket_of(complainant))
    wrapped = kek.wrap(complainant, key)
    assert ring.unwrap(complainant, kek.id, wrapped) == key
    with pytest.raises(UnknownKek):
        ring.unwrap(uuid4(), kek.id, wrapped)
    other = next(k for k in ring.keks() if k.id != kek.id)
    with pytest.raises(UnknownKek):
        other.unwrap(complainant, wrapped)


def test_a_dropped_kek_is_in_no_file_of_the_directory(tmp_path: Path) -> None:
    ring = KeyRing.create(ring_path(tmp_path, uuid4()), uuid4())
    old = ring.current(7)
    # a writer that died between writing its temporary file and the rename
    (tmp_path / f"{ring.path.name}.tmp-999999").write_bytes(ring.path.read_bytes())
    new = ring.add_kek(7)
    assert [k.id for k in KeyRing.load(ring.path).of_bucket(7)] == [old.id, new.id]
    assert ring.keep_only(7, new.id)
    content = every_byte(tmp_path)
    for form in (old.secret, old.secret.hex().encode(), base64.b64encode(old.secret)):
        assert form not in content
    assert KeyRing.load(ring.path).current(7) == new
    assert not ring.keep_only(7, new.id)  # nothing left to drop


def test_another_process_sees_a_rotated_kek_after_the_file_changed(tmp_path: Path) -> None:
    path = ring_path(tmp_path, uuid4())
    writer = KeyRing.create(path, uuid4())
    reader = KeyRing.load(path)
    new = writer.add_kek(3)
    complainant = uuid4()
    assert reader.unwrap(complainant, new.id, new.wrap(complainant, b"k" * 32)) == b"k" * 32


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KeyRingMissing):
        KeyRing.load(ring_path(tmp_path, uuid4()))
