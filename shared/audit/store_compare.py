"""Comparing the store with signed checkpoints, and naming each event that changed.

The store's leaves are read in commit order up to the newest trusted checkpoint's position and
folded into the digest, which is compared at every trusted checkpoint's position: a clean store
costs one pass and no memory per event. When a digest differs, the range whose leaves the
checkpoint files list is read again and compared event by event (``diff_leaves``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from shared.audit.chain_of_checkpoints import Reference
from shared.audit.checkpoint import ORIGIN, StorePosition
from shared.audit.digest import GENESIS, Leaf
from shared.audit.findings import Finding, Kind
from shared.audit.store_leaves import covered_pages

MOST_LINES_PER_KIND = 20

AFTER = "SELECT count(*) FROM events WHERE (tx_id, global_position) > ($1, $2)"
WHERE_NOW = (
    "SELECT tx_id, global_position, stream_id, stream_version, uuid_send(event_id), hash "
    "FROM events WHERE event_id = ANY($1::uuid[])"
)


@dataclass
class Comparison:
    findings: list[Finding] = field(default_factory=list)
    covered_in_store: int = 0
    after_checkpoint: int = 0
    """Events after the checkpoint's position: protected by their chains only."""


@dataclass(frozen=True)
class _Mark:
    position: StorePosition
    event_count: int
    digest: str
    label: str


def _place(leaf: Leaf) -> str:
    return (
        f"stream {leaf.stream_id} version {leaf.stream_version}, position {leaf.global_position}, "
        f"transaction {leaf.tx_id}"
    )


def _name(leaf: Leaf) -> str:
    return f"event {leaf.event_uuid} ({_place(leaf)})"


def diff_leaves(
    expected: Sequence[Leaf],
    actual: Sequence[Leaf],
    *,
    checkpoint: str,
    broken_streams: Iterable[str] = (),
    now_elsewhere: dict[bytes, Leaf] | None = None,
) -> list[Finding]:
    """What changed between the leaves a checkpoint listed and those the store holds for the same
    range of the commit order. ``broken_streams``: streams whose chain no longer verifies (their
    changed events are altered; elsewhere the chain was recomputed: rewritten)."""
    elsewhere = now_elsewhere or {}
    by_id = {leaf.event_id: leaf for leaf in actual}
    missing = [leaf for leaf in expected if leaf.event_id not in by_id]
    gone = [leaf for leaf in missing if leaf.event_id not in elsewhere]
    moved_out = [leaf for leaf in missing if leaf.event_id in elsewhere]
    return [
        *_gone(gone, expected, actual, checkpoint),
        *_moved_out(moved_out, elsewhere, checkpoint),
        *_inserted(expected, actual, checkpoint),
        *_changed_in_place(expected, by_id, set(broken_streams), checkpoint),
    ]


def _gone(
    gone: list[Leaf], expected: Sequence[Leaf], actual: Sequence[Leaf], checkpoint: str
) -> list[Finding]:
    """Events the checkpoint lists that are nowhere in the store: the tail cut off when they are
    the last ones it lists, else each one deleted."""
    if len(gone) >= 2 and [leaf.event_id for leaf in expected[-len(gone) :]] == [g.event_id for g in gone]:
        streams = sorted({leaf.stream_id for leaf in gone})
        shown = ", ".join(streams[:5]) + (f" and {len(streams) - 5} more" if len(streams) > 5 else "")
        return [
            Finding(
                Kind.TRUNCATED,
                f"the last {len(gone)} events {checkpoint} covers are gone from the store (positions "
                f"{gone[0].global_position}–{gone[-1].global_position}, in {shown}): its tail was truncated",
            )
        ]
    findings: list[Finding] = []
    for leaf in gone:
        later_kept = any(
            a.stream_id == leaf.stream_id and a.stream_version > leaf.stream_version for a in actual
        )
        tail = "" if later_kept else f"; its stream now ends before version {leaf.stream_version}"
        findings.append(Finding(Kind.DELETED, f"{_name(leaf)} is in {checkpoint} but not in the store{tail}"))
    return findings


def _moved_out(moved_out: list[Leaf], elsewhere: dict[bytes, Leaf], checkpoint: str) -> list[Finding]:
    return [
        Finding(
            Kind.REORDERED,
            f"event {leaf.event_uuid} stood at {_place(leaf)} in {checkpoint}; it now stands at "
            f"{_place(elsewhere[leaf.event_id])}, after the range the checkpoint covers",
        )
        for leaf in moved_out
    ]


def _inserted(expected: Sequence[Leaf], actual: Sequence[Leaf], checkpoint: str) -> list[Finding]:
    expected_ids = {leaf.event_id for leaf in expected}
    return [
        Finding(
            Kind.INSERTED,
            f"{_name(leaf)} is not in {checkpoint}, which covers its place in the store's order: "
            "it was inserted (or back-dated) after the checkpoint was signed",
        )
        for leaf in actual
        if leaf.event_id not in expected_ids
    ]


def _changed_in_place(
    expected: Sequence[Leaf], by_id: dict[bytes, Leaf], broken: set[str], checkpoint: str
) -> list[Finding]:
    """Events still in the range but not as signed: moved within it (same hash), or with another
    hash, reported once per stream."""
    findings: list[Finding] = []
    rewritten: dict[str, list[tuple[Leaf, Leaf]]] = defaultdict(list)
    for leaf in expected:
        now = by_id.get(leaf.event_id)
        if now is None or now == leaf:
            continue
        if now.hash != leaf.hash:
            rewritten[leaf.stream_id].append((leaf, now))
        else:
            findings.append(
                Finding(
                    Kind.REORDERED,
                    f"event {leaf.event_uuid} stood at {_place(leaf)} in {checkpoint}; it now stands at "
                    f"{_place(now)}",
                )
            )
    for stream, pairs in sorted(rewritten.items()):
        findings.append(_rehashed(stream, pairs, stream in broken, checkpoint))
    return findings


def _rehashed(stream: str, pairs: list[tuple[Leaf, Leaf]], chain_broken: bool, checkpoint: str) -> Finding:
    """One stream's events whose hash is not the signed one: altered when its chain no longer
    verifies, rewritten (the chain recomputed to hide it) when it does."""
    pairs.sort(key=lambda pair: pair[0].stream_version)
    first = pairs[0][0]
    versions = sorted(p[0].stream_version for p in pairs)
    span = f"version {versions[0]}" if len(versions) == 1 else f"versions {versions[0]}–{versions[-1]}"
    if chain_broken:
        return Finding(
            Kind.ALTERED,
            f"{_name(first)} no longer has the hash {checkpoint} signed ({len(pairs)} event(s) "
            f"of the stream differ: {span})",
        )
    return Finding(
        Kind.REWRITTEN,
        f"{_name(first)} no longer has the hash {checkpoint} signed, yet its stream's chain "
        f"verifies: the event was altered and the chain recomputed to hide it ({span} of "
        f"stream {stream} carry recomputed hashes)",
    )


def capped(findings: Sequence[Finding]) -> list[Finding]:
    """At most MOST_LINES_PER_KIND findings of each kind, then one line saying how many more."""
    shown: list[Finding] = []
    counts: dict[Kind, int] = defaultdict(int)
    for finding in findings:
        counts[finding.kind] += 1
        if counts[finding.kind] <= MOST_LINES_PER_KIND:
            shown.append(finding)
    for kind, count in counts.items():
        if count > MOST_LINES_PER_KIND:
            shown.append(Finding(kind, f"… and {count - MOST_LINES_PER_KIND} more {kind.value} events"))
    return shown


async def _fetch(engine: AsyncEngine, sql: str, *args: Any) -> Any:
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        return await driver.fetch(sql, *args)


async def _where_now(engine: AsyncEngine, ids: Sequence[bytes]) -> dict[bytes, Leaf]:
    if not ids:
        return {}
    from uuid import UUID

    rows = await _fetch(engine, WHERE_NOW, [UUID(bytes=i) for i in ids])
    return {bytes(r[4]): Leaf(r[0], r[1], r[2], r[3], bytes(r[4]), bytes(r[5])) for r in rows}


async def compare_store(
    engine: AsyncEngine, reference: Reference, broken_streams: Iterable[str] = ()
) -> Comparison:
    latest = reference.latest.checkpoint
    marks = _marks(reference)
    comparison = Comparison()
    comparison.covered_in_store, reached = await _fold_store(engine, marks, latest.position)
    rows = await _fetch(engine, AFTER, *latest.position.as_tuple())
    comparison.after_checkpoint = int(rows[0][0])

    differing = [m for m in marks if reached[m] != (m.event_count, bytes.fromhex(m.digest))]
    if not differing:
        return comparison
    base = next(m for m in marks if m.position == reference.base_position)
    if base in differing:
        comparison.findings.append(_base_differs(base, have=reached[base][0]))
    comparison.findings += await _changed_events(engine, reference, broken_streams)
    if not comparison.findings:  # a digest differs, yet no listed event did: say so all the same
        first = differing[0]
        comparison.findings.append(
            Finding(Kind.DIFFERS, f"the store's digest at {first.label} is not the one it signed")
        )
    return comparison


def _marks(reference: Reference) -> list[_Mark]:
    """Every trusted checkpoint's position, count and digest (the base's too), in commit order."""
    return sorted(
        {
            _Mark(c.position, c.event_count, c.digest, f"checkpoint {c.sequence}")
            for c in reference.checkpoints
        }
        | {
            _Mark(
                reference.base_position,
                reference.base_event_count,
                reference.base_digest,
                f"checkpoint {reference.base_sequence}",
            )
        },
        key=lambda m: (m.position.as_tuple(), m.event_count),
    )


async def _fold_store(
    engine: AsyncEngine, marks: list[_Mark], up_to: StorePosition
) -> tuple[int, dict[_Mark, tuple[int, bytes]]]:
    """One pass over the store's leaves up to ``up_to``: how many there are, and the count and
    digest the store reaches at each mark."""
    sha = hashlib.sha256
    digest, count = GENESIS, 0
    reached: dict[_Mark, tuple[int, bytes]] = {}
    pending = [m for m in marks if m.position != ORIGIN]
    for mark in marks:
        if mark.position == ORIGIN:
            reached[mark] = (0, GENESIS)
    async for page in covered_pages(engine, ORIGIN, up_to):
        for leaf in page:
            while pending and leaf.commit_order > pending[0].position.as_tuple():
                reached[pending.pop(0)] = (count, digest)
            digest = sha(digest + leaf.encode()).digest()
            count += 1
    for mark in pending:
        reached[mark] = (count, digest)
    return count, reached


def _base_differs(base: _Mark, *, have: int) -> Finding:
    return Finding(
        Kind.DIFFERS,
        f"the store's events up to position {base.position.global_position} (transaction "
        f"{base.position.tx_id}) differ from what {base.label} signed: it covered "
        f"{base.event_count} events, the store now holds {have} there. The checkpoint files "
        "that list those events were not given: verify with the whole checkpoint directory "
        "to name them",
    )


async def _changed_events(
    engine: AsyncEngine, reference: Reference, broken_streams: Iterable[str]
) -> list[Finding]:
    """The events that differ from those the checkpoint files list, read again from the store."""
    latest = reference.latest.checkpoint
    actual = [
        leaf
        async for page in covered_pages(engine, reference.base_position, latest.position)
        for leaf in page
    ]
    by_id = {leaf.event_id for leaf in actual}
    missing = [leaf.event_id for leaf in reference.leaves if leaf.event_id not in by_id]
    label = f"checkpoint {latest.sequence}" + (
        f" ({reference.latest.path.name})" if reference.latest.path is not None else ""
    )
    return diff_leaves(
        reference.leaves,
        actual,
        checkpoint=label,
        broken_streams=broken_streams,
        now_elsewhere=await _where_now(engine, missing),
    )
