"""The store digest: one SHA-256 folded over every event's leaf, in commit order.

A leaf names one event and its place: (tx_id, global_position, stream_id, stream_version,
event_id, hash). Its bytes are fixed-width big-endian fields followed by the stream id:

    u64 tx_id | u64 global_position | u32 stream_version | 16 bytes event_id (UUID)
    | 32 bytes hash | u16 length of stream_id | stream_id (UTF-8)

and the digest after n leaves is ``d_n = SHA-256(d_{n-1} || leaf_n)`` from ``d_0`` = 32 zero
bytes. Folding in commit order ((tx_id, global_position), the order followers read) means a
later checkpoint's digest continues the previous one's: a checkpoint needs to carry only the
leaves it adds. The event hash already covers its content and its chain; the other fields pin
where the event stands, so moving, renumbering, deleting or inserting an event changes the
digest too. No I/O here.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import NamedTuple
from uuid import UUID

GENESIS = bytes(32)
_HEAD = struct.Struct(">QQI16s32sH")


class Leaf(NamedTuple):
    """One event as a checkpoint covers it."""

    tx_id: int
    global_position: int
    stream_id: str
    stream_version: int
    event_id: bytes
    """The UUID's 16 bytes."""
    hash: bytes
    """The event's chain hash (32 bytes)."""

    def encode(self) -> bytes:
        stream = self.stream_id.encode()
        return (
            _HEAD.pack(
                self.tx_id,
                self.global_position,
                self.stream_version,
                self.event_id,
                self.hash,
                len(stream),
            )
            + stream
        )

    def to_json(self) -> list[object]:
        """The leaf as a checkpoint file lists it: numbers, the stream id, the UUID, hex hash."""
        return [
            self.tx_id,
            self.global_position,
            self.stream_id,
            self.stream_version,
            str(UUID(bytes=self.event_id)),
            self.hash.hex(),
        ]

    @classmethod
    def from_json(cls, item: object) -> Leaf:
        if not isinstance(item, list) or len(item) != 6:
            raise ValueError(f"a leaf is a list of six values, not {item!r:.80}")
        tx_id, position, stream_id, version, event_id, hash_ = item
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (tx_id, position, version)):
            raise ValueError(f"a leaf's tx_id, position and version are integers: {item!r:.80}")
        if not isinstance(stream_id, str) or not isinstance(event_id, str) or not isinstance(hash_, str):
            raise ValueError(f"a leaf's stream id, event id and hash are text: {item!r:.80}")
        hash_bytes = bytes.fromhex(hash_)
        if len(hash_bytes) != 32:
            raise ValueError(f"a leaf's hash is 32 bytes: {item!r:.80}")
        return cls(tx_id, position, stream_id, version, UUID(event_id).bytes, hash_bytes)

    @property
    def event_uuid(self) -> str:
        return str(UUID(bytes=self.event_id))

    @property
    def commit_order(self) -> tuple[int, int]:
        return (self.tx_id, self.global_position)


def fold(digest: bytes, leaf: Leaf) -> bytes:
    """The digest after one more leaf."""
    return hashlib.sha256(digest + leaf.encode()).digest()


def fold_all(digest: bytes, leaves: Iterable[Leaf]) -> bytes:
    sha = hashlib.sha256
    for leaf in leaves:
        digest = sha(digest + leaf.encode()).digest()
    return digest


def leaf_from_row(row: tuple[int, int, str, int, bytes, bytes]) -> Leaf:
    """A leaf from a row of LEAF_COLUMNS (see shared.audit.store_leaves)."""
    return Leaf(row[0], row[1], row[2], row[3], bytes(row[4]), bytes(row[5]))
