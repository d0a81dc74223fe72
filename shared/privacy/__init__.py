"""Complainants' personal data: sealed per complainant, masked for display, erasable.

* :mod:`shared.privacy.sealed` — the sealed form events carry (pure, no I/O).
* :mod:`shared.privacy.crypto` — AES-256-GCM sealing and opening with a complainant's key.
* :mod:`shared.privacy.masking` — 张三 → 张*, 13812345678 → 138****5678, ...
* :mod:`shared.privacy.blind_index` — HMAC of normalised identifiers, to find a returning person.
* :mod:`shared.privacy.keys` — the key table and the lookup table (PostgreSQL).
* :mod:`shared.privacy.reveal` — what a reader may see of a complaint's personal data.
* :mod:`shared.privacy.erasure` — deleting a complainant's key (PIPL / GDPR erasure).

See docs/privacy.md.
"""
