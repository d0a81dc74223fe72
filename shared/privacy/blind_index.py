"""Blind indexes: HMAC-SHA256 of a normalised identifier under a server secret.

They let intake find that a new complaint comes from a known complainant (so one person keeps
one complainant_id and key) without storing the phone number or email in the clear. Without
the secret an index cannot be reversed by trying every phone number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from shared.complaints.events import Complainant

IDENTIFIER_KINDS = ("phone", "email", "customer_id", "employee_id", "id_number")


def normalise(kind: str, value: str) -> str:
    """The form two spellings of the same identifier share: +86 138-1234-5678 == 13812345678."""
    text = unicodedata.normalize("NFKC", value).strip()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits
    if kind == "email":
        return text.lower()
    return text.upper().replace(" ", "")


def blind_index(secret: bytes, kind: str, value: str) -> bytes:
    return hmac.new(secret, f"{kind}:{normalise(kind, value)}".encode(), hashlib.sha256).digest()


def identifiers(complainant: Complainant) -> list[tuple[str, str]]:
    """The (kind, value) pairs of a complainant that identify them; a name alone does not."""
    found = []
    for kind in IDENTIFIER_KINDS:
        value = getattr(complainant, kind)
        if value and normalise(kind, value):
            found.append((kind, value))
    return found
