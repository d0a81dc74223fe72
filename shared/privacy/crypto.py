"""Sealing and opening a complainant's personal data with their own 256-bit key (AES-256-GCM)."""

from __future__ import annotations

import base64
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.complaints.events import Complainant
from shared.privacy.sealed import SealedPersonalData, associated_data

KEY_BYTES = 32
NONCE_BYTES = 12


class CannotOpen(ValueError):
    """The ciphertext does not open with this key for this complaint (tampered or misplaced)."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, key_id: UUID, complaint_no: str, complainant: Complainant) -> SealedPersonalData:
    nonce = os.urandom(NONCE_BYTES)  # random per message: one key seals many complaints
    plaintext = complainant.model_dump_json(exclude_none=True).encode()
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, associated_data(complaint_no))
    return SealedPersonalData(
        key_id=key_id,
        nonce=base64.b64encode(nonce).decode(),
        ciphertext=base64.b64encode(ciphertext).decode(),
    )


def open_sealed(key: bytes, sealed: SealedPersonalData, complaint_no: str) -> Complainant:
    try:
        plaintext = AESGCM(key).decrypt(
            base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), associated_data(complaint_no)
        )
    except (InvalidTag, ValueError) as error:
        raise CannotOpen(f"personal data of {complaint_no} does not open with key {sealed.key_id}") from error
    return Complainant.model_validate_json(plaintext)
