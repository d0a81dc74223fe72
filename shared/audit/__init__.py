"""Audit: replay history, verify hash chains, and sign checkpoints of the whole store.

The chains in the database prove only that nobody edited an event without recomputing the hashes
after it; signed checkpoints, published outside the database, prove what the store held at a
moment (docs/audit.md).
"""

from shared.audit.commands import replay_complaint, replay_period, verify

__all__ = ["replay_complaint", "replay_period", "verify"]
