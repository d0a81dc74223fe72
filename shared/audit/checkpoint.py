"""A signed checkpoint: what the whole store held at a position in commit order.

The signed head (RFC 6962's signed tree head, QLDB's digest) says: every event at or before
``position`` in commit order, ``event_count`` of them, folds to ``digest`` (shared.audit.digest);
it continues checkpoint ``sequence - 1`` (its position, count, digest and the SHA-256 of its signed
bytes). The signature is Ed25519 over the canonical JSON of every head field but ``signature``.

The published file adds the leaves of the events this checkpoint adds (after
``previous_position``): they are covered by the signature through the digest (folded from
``previous_digest`` they must give ``digest``), and together the files of a checkpoint directory
list every covered event, so a verifier can name each one that changed. The Kafka message is
the head alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.audit.digest import GENESIS, Leaf
from shared.audit.keys import key_id
from shared.events.canonical import canonical_json

FORMAT = "tousu-audit-checkpoint/1"
FILE_SUFFIX = ".json"


class StorePosition(BaseModel):
    """A place in the store's commit order: the last event a checkpoint covers."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tx_id: int = Field(description="The writing transaction's id (events.tx_id); 0 before any event.")
    global_position: int = Field(description="The event's global position; 0 before any event.")

    def as_tuple(self) -> tuple[int, int]:
        return (self.tx_id, self.global_position)


ORIGIN = StorePosition(tx_id=0, global_position=0)


class CheckpointHead(BaseModel):
    """What a checkpoint says about the store; the signed part."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["tousu-audit-checkpoint/1"] = Field(
        "tousu-audit-checkpoint/1", description="Format and version."
    )
    sequence: int = Field(ge=1, description="1 for the first checkpoint of a store, then one more each.")
    position: StorePosition = Field(
        description="The last event covered, in commit order (tx_id, global_position): the checkpoint "
        "covers every event at or before it. Always below the store's read horizon, so no event "
        "committed later can land inside the covered range."
    )
    event_count: int = Field(ge=0, description="How many events the checkpoint covers.")
    digest: str = Field(
        description="SHA-256, hex: the running digest over every covered event's leaf in commit order "
        "(docs/audit.md: leaf = tx_id, global_position, stream_version, event_id, hash, stream_id)."
    )
    previous_position: StorePosition = Field(
        description="The previous checkpoint's position (0/0 for the first)."
    )
    previous_event_count: int = Field(ge=0, description="The previous checkpoint's event_count.")
    previous_digest: str = Field(description="The previous checkpoint's digest (64 zeros for the first).")
    previous_checkpoint: str | None = Field(
        description="SHA-256, hex, of the previous checkpoint's signed bytes (null for the first): "
        "the checkpoints form a chain."
    )
    signed_at: datetime = Field(description="When it was signed (UTC).")
    key_id: str = Field(
        description="Which key signed it: first 16 hex digits of SHA-256 of the raw public key."
    )

    def signed_bytes(self) -> bytes:
        return canonical_json(self.model_dump(mode="python", exclude={"signature"}))

    def checkpoint_hash(self) -> str:
        """What the next checkpoint names as ``previous_checkpoint``."""
        return hashlib.sha256(self.signed_bytes()).hexdigest()


class AuditCheckpoint(CheckpointHead):
    """A signed checkpoint of the whole event store, as published on the audit topic (the
    published file adds the leaves). Keep every one: verify with `tousu audit verify --checkpoint`."""

    signature: str = Field(
        description="Ed25519 signature of the canonical JSON of every other field, base64."
    )

    def signature_valid(self, public_key: Ed25519PublicKey) -> bool:
        try:
            public_key.verify(base64.b64decode(self.signature, validate=True), self.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    def head(self) -> CheckpointHead:
        return CheckpointHead(**self.model_dump(exclude={"signature"}))


def sign(head: CheckpointHead, key: Ed25519PrivateKey) -> AuditCheckpoint:
    if head.key_id != key_id(key.public_key()):
        raise ValueError("the head names another key than the one signing it")
    signature = base64.b64encode(key.sign(head.signed_bytes())).decode()
    return AuditCheckpoint(**head.model_dump(), signature=signature)


class CheckpointFile(BaseModel):
    """A published checkpoint: the signed head and the leaves it adds (None: the head alone, as
    the Kafka topic carries it)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    checkpoint: AuditCheckpoint
    leaves: tuple[Leaf, ...] | None = None
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else f"checkpoint {self.checkpoint.sequence}"


class CheckpointFileError(Exception):
    """A checkpoint file that cannot be read, said in words."""


def file_name(sequence: int) -> str:
    return f"{sequence:06d}{FILE_SUFFIX}"


def render_file(checkpoint: AuditCheckpoint, leaves: Sequence[Leaf]) -> bytes:
    """The file: the head first, readable, then one leaf per line."""
    head = json.dumps(checkpoint.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(leaf.to_json(), ensure_ascii=False) for leaf in leaves)
    body = f'{{\n  "checkpoint": {head.replace(chr(10), chr(10) + "  ")},\n  "leaves": ['
    body += f"\n{lines}\n  ]\n}}\n" if leaves else "]\n}\n"
    return body.encode()


def parse_file(data: bytes, path: Path | None = None) -> CheckpointFile:
    where = str(path) if path is not None else "the checkpoint"
    try:
        document: Any = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise CheckpointFileError(f"{where} is not JSON ({error})") from None
    if not isinstance(document, dict):
        raise CheckpointFileError(f"{where} is not a checkpoint (a JSON object)")
    head: Any = document.get("checkpoint", document)  # a file, or the topic's message alone
    try:
        checkpoint = AuditCheckpoint.model_validate(head)
        raw_leaves = document.get("leaves") if "checkpoint" in document else None
        leaves = None if raw_leaves is None else tuple(Leaf.from_json(item) for item in raw_leaves)
    except (ValidationError, ValueError, TypeError) as error:
        raise CheckpointFileError(f"{where} is not a valid checkpoint: {_first_line(error)}") from None
    return CheckpointFile(checkpoint=checkpoint, leaves=leaves, path=path)


def _first_line(error: Exception) -> str:
    return " ".join(str(error).split("\n")[:3])


def read_file(path: Path) -> CheckpointFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CheckpointFileError(f"cannot read {path}: {error.strerror or error}") from None
    return parse_file(data, path)


def checkpoint_files(directory: Path) -> list[Path]:
    """The directory's checkpoint files, oldest first (their names are the zero-padded sequence)."""
    return sorted(
        (p for p in directory.iterdir() if p.suffix == FILE_SUFFIX and p.stem.isdigit()),
        key=lambda p: int(p.stem),
    )


def write_file(directory: Path, checkpoint: AuditCheckpoint, leaves: Sequence[Leaf]) -> Path:
    """Publish a checkpoint under ``directory``: written whole or not at all, never over another.

    The file is written beside its final name and linked there (a link fails when the name is
    taken: the directory only ever grows), then the directory entry is flushed."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / file_name(checkpoint.sequence)
    temporary = directory / f".{final.name}.{os.getpid()}.tmp"
    with open(temporary, "wb") as out:
        out.write(render_file(checkpoint, leaves))
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return final


def next_head(
    previous: AuditCheckpoint | None,
    position: StorePosition,
    event_count: int,
    digest: bytes,
    signed_at: datetime,
    signer: str,
) -> CheckpointHead:
    """The head of the checkpoint after ``previous`` (None: the store's first)."""
    return CheckpointHead(
        sequence=previous.sequence + 1 if previous else 1,
        position=position,
        event_count=event_count,
        digest=digest.hex(),
        previous_position=previous.position if previous else ORIGIN,
        previous_event_count=previous.event_count if previous else 0,
        previous_digest=previous.digest if previous else GENESIS.hex(),
        previous_checkpoint=previous.checkpoint_hash() if previous else None,
        signed_at=signed_at,
        key_id=signer,
    )
