"""The sealed form of a complainant's personal data, as events carry it. Pure: no keys, no I/O.

Only ciphertext enters the event store, so the hash chain covers ciphertext only: deleting the
complainant's key later makes the data unreadable without touching (or breaking) the chain.
"""

from __future__ import annotations

from typing import Final, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

ALGORITHM: Final = "AES-256-GCM"


def associated_data(complaint_no: str) -> bytes:
    """The AAD binding a ciphertext to its complaint: copied into another complaint it fails to open."""
    return f"tousu:complaint:{complaint_no}".encode()


class SealedPersonalData(BaseModel):
    """A complainant's personal data, encrypted with their own key (AES-256-GCM)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alg: Literal["AES-256-GCM"] = Field(ALGORITHM, description="The cipher: AES-256-GCM.")
    key_id: UUID = Field(description="Id of the complainant's key in the key table (their complainant_id).")
    nonce: str = Field(description="The 96-bit GCM nonce, base64.", min_length=1)
    ciphertext: str = Field(
        description="Base64 of the ciphertext and GCM tag of the personal data's JSON; the AAD is "
        "the complaint number.",
        min_length=1,
    )
