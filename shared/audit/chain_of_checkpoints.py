"""Checking published checkpoints on their own: signatures, listed leaves, the chain between them.

What survives is the *reference*: the newest checkpoint whose signature verifies, and the run of
checkpoints before it that are linked without a gap and list their leaves, whose leaves name every
event of that range (shared.audit.store_compare uses them to say which event changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shared.audit.checkpoint import ORIGIN, AuditCheckpoint, CheckpointFile, StorePosition
from shared.audit.digest import GENESIS, Leaf, fold_all
from shared.audit.findings import Finding, Kind


@dataclass
class Reference:
    """What the store is compared with."""

    latest: CheckpointFile
    base_position: StorePosition
    """Events after this and up to ``latest``'s position are listed in ``leaves``."""
    base_event_count: int
    base_digest: str
    base_sequence: int
    """The checkpoint that ends where the listed leaves begin (0: the empty store)."""
    leaves: list[Leaf] = field(default_factory=list)
    checkpoints: list[AuditCheckpoint] = field(default_factory=list)
    """Every trusted checkpoint, oldest first (the store's digest is checked at each)."""

    @property
    def names_every_event(self) -> bool:
        return self.base_position == ORIGIN


def _signature_findings(
    files: Sequence[CheckpointFile], keys: dict[str, Ed25519PublicKey]
) -> tuple[list[Finding], list[CheckpointFile]]:
    findings: list[Finding] = []
    trusted: list[CheckpointFile] = []
    for file in files:
        checkpoint = file.checkpoint
        key = keys.get(checkpoint.key_id)
        if key is None:
            known = ", ".join(sorted(keys)) or "none"
            findings.append(
                Finding(
                    Kind.FORGED,
                    f"{file.name} (checkpoint {checkpoint.sequence}) names signing key {checkpoint.key_id}, "
                    f"which is none of the public keys given ({known}): forged, or signed with a key "
                    "you were not given",
                )
            )
        elif not checkpoint.signature_valid(key):
            findings.append(
                Finding(
                    Kind.FORGED,
                    f"{file.name} (checkpoint {checkpoint.sequence}): the signature does not verify with "
                    f"key {checkpoint.key_id}: the checkpoint was forged or altered after signing",
                )
            )
        else:
            trusted.append(file)
    return findings, trusted


def _leaves_problem(file: CheckpointFile) -> str | None:
    checkpoint, leaves = file.checkpoint, file.leaves
    if leaves is None:
        return None
    adds = checkpoint.event_count - checkpoint.previous_event_count
    if len(leaves) != adds:
        return f"lists {len(leaves)} events where it adds {adds}"
    order = [leaf.commit_order for leaf in leaves]
    if order != sorted(set(order)) or (order and order[0] <= checkpoint.previous_position.as_tuple()):
        return "lists its events out of commit order"
    if order and order[-1] != checkpoint.position.as_tuple():
        return "does not end its events at its position"
    if fold_all(bytes.fromhex(checkpoint.previous_digest), leaves).hex() != checkpoint.digest:
        return "lists events that do not give its signed digest"
    return None


def _link_problem(earlier: AuditCheckpoint, later: AuditCheckpoint) -> str | None:
    if later.previous_checkpoint != earlier.checkpoint_hash():
        return "names another previous checkpoint"
    if later.previous_digest != earlier.digest or later.previous_event_count != earlier.event_count:
        return "does not continue its digest or count"
    if later.previous_position != earlier.position:
        return "does not continue its position"
    if later.position.as_tuple() < earlier.position.as_tuple():
        return "goes back in the store's order"
    return None


def _first_problem(checkpoint: AuditCheckpoint) -> str | None:
    if checkpoint.previous_checkpoint is not None or checkpoint.previous_digest != GENESIS.hex():
        return "is numbered 1 but continues an earlier checkpoint"
    if checkpoint.previous_event_count != 0 or checkpoint.previous_position != ORIGIN:
        return "is numbered 1 but starts after the store's first event"
    return None


def check_checkpoints(
    files: Sequence[CheckpointFile], keys: dict[str, Ed25519PublicKey]
) -> tuple[list[Finding], Reference | None]:
    """Findings about the checkpoints themselves and the reference to compare the store with
    (None when no checkpoint can be trusted)."""
    ordered = sorted(files, key=lambda f: f.checkpoint.sequence)
    findings, trusted = _signature_findings(ordered, keys)
    usable: list[CheckpointFile] = []
    for file in trusted:
        problem = _leaves_problem(file)
        if problem is not None:
            findings.append(
                Finding(Kind.FORGED, f"{file.name} (checkpoint {file.checkpoint.sequence}) {problem}")
            )
            file = CheckpointFile(checkpoint=file.checkpoint, leaves=None, path=file.path)
        if file.checkpoint.sequence == 1 and (problem := _first_problem(file.checkpoint)):
            findings.append(Finding(Kind.CHAIN, f"{file.name} {problem}"))
        usable.append(file)
    if not usable:
        return findings, None

    # the run of linked checkpoints that ends with the newest: its listed leaves name events
    latest = usable[-1]
    run = [latest]
    for earlier in reversed(usable[:-1]):
        later = run[0]
        if later.checkpoint.sequence != earlier.checkpoint.sequence + 1:
            missing = range(earlier.checkpoint.sequence + 1, later.checkpoint.sequence)
            findings.append(
                Finding(
                    Kind.CHAIN,
                    f"checkpoint{'s' if len(missing) > 1 else ''} {missing[0]}"
                    + (f"–{missing[-1]}" if len(missing) > 1 else "")
                    + " missing or not trusted between "
                    f"{earlier.name} and {later.name}",
                )
            )
            break
        problem = _link_problem(earlier.checkpoint, later.checkpoint)
        if problem is not None:
            findings.append(
                Finding(Kind.CHAIN, f"{later.name} does not continue {earlier.name}: it {problem}")
            )
            break
        run.insert(0, earlier)
    # only a suffix of the run with every file's leaves names events without a hole
    start = len(run)
    for i in range(len(run) - 1, -1, -1):
        if run[i].leaves is None:
            break
        start = i
    named = run[start:]
    base = named[0].checkpoint if named else latest.checkpoint
    reference = Reference(
        latest=latest,
        base_position=base.previous_position if named else latest.checkpoint.position,
        base_event_count=base.previous_event_count if named else latest.checkpoint.event_count,
        base_digest=base.previous_digest if named else latest.checkpoint.digest,
        base_sequence=base.sequence - 1 if named else latest.checkpoint.sequence,
        leaves=[leaf for file in named for leaf in (file.leaves or ())],
        checkpoints=[file.checkpoint for file in usable],
    )
    return findings, reference
