"""Personal data is sealed with the complainant's key, bound to the complaint number."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from shared.complaints import Complainant
from shared.privacy.blind_index import blind_index, identifiers, normalise
from shared.privacy.crypto import CannotOpen, new_key, open_sealed, seal
from shared.privacy.reveal import PersonalDataStatus, reveal

pytestmark = pytest.mark.unit

PERSON = Complainant(
    name="张伟",
    phone="13812345678",
    email="zw@example.cn",
    address="北京市朝阳区建国路88号",
    id_number="110101199003074514",
)
KEY_ID = uuid.uuid4()


def test_what_is_sealed_opens_with_the_key_and_shows_no_plaintext() -> None:
    key = new_key()
    sealed = seal(key, KEY_ID, "TS-1", PERSON)
    text = sealed.model_dump_json()
    for secret in ("张伟", "13812345678", "zw@example.cn", "建国路", "110101199003074514"):
        assert secret not in text
    assert open_sealed(key, sealed, "TS-1") == PERSON
    assert len(key) == 32 and sealed.alg == "AES-256-GCM" and sealed.key_id == KEY_ID


def test_two_seals_of_the_same_data_differ() -> None:
    key = new_key()
    assert seal(key, KEY_ID, "TS-1", PERSON).ciphertext != seal(key, KEY_ID, "TS-1", PERSON).ciphertext


def test_ciphertext_moved_to_another_complaint_does_not_open() -> None:
    key = new_key()
    sealed = seal(key, KEY_ID, "TS-1", PERSON)
    with pytest.raises(CannotOpen):
        open_sealed(key, sealed, "TS-2")


def test_tampered_ciphertext_or_another_key_does_not_open() -> None:
    key = new_key()
    sealed = seal(key, KEY_ID, "TS-1", PERSON)
    raw = bytearray(base64.b64decode(sealed.ciphertext))
    raw[0] ^= 1
    tampered = sealed.model_copy(update={"ciphertext": base64.b64encode(bytes(raw)).decode()})
    with pytest.raises(CannotOpen):
        open_sealed(key, tampered, "TS-1")
    with pytest.raises(CannotOpen):
        open_sealed(new_key(), sealed, "TS-1")


def test_reveal_masks_opens_or_says_erased() -> None:
    key = new_key()
    sealed = seal(key, KEY_ID, "TS-1", PERSON).model_dump(mode="json")
    args = {"anonymous": False, "complainant_id": KEY_ID, "sealed": sealed}
    full = reveal("TS-1", keys={KEY_ID: key}, unmasked=True, **args)
    assert full.name == "张伟" and full.phone == "13812345678" and not full.masked
    masked = reveal("TS-1", keys={KEY_ID: key}, unmasked=False, **args)
    assert masked.name == "张*" and masked.phone == "138****5678" and masked.email == "z***@example.cn"
    assert masked.id_number == "110***********4514" and masked.masked
    erased = reveal("TS-1", keys={}, unmasked=True, **args)
    assert erased.status is PersonalDataStatus.ERASED and erased.name is None
    assert erased.status_label["zh-CN"] == "已删除"
    anonymous = reveal("TS-1", anonymous=True, complainant_id=None, sealed=None, keys={}, unmasked=True)
    assert anonymous.status is PersonalDataStatus.ANONYMOUS
    assert json.loads(anonymous.model_dump_json())["name"] is None


def test_one_person_has_the_same_blind_index_however_it_is_written() -> None:
    secret = b"s" * 32
    assert normalise("phone", "+86 138-1234-5678") == "13812345678"
    assert blind_index(secret, "phone", "138 1234 5678") == blind_index(secret, "phone", "+8613812345678")
    assert blind_index(secret, "email", "ZW@Example.CN ") == blind_index(secret, "email", "zw@example.cn")
    assert blind_index(secret, "phone", "13812345678") != blind_index(b"t" * 32, "phone", "13812345678")
    assert blind_index(secret, "phone", "13812345678") != blind_index(secret, "customer_id", "13812345678")
    assert [kind for kind, _ in identifiers(PERSON)] == ["phone", "email", "id_number"]
    assert identifiers(Complainant(name="only a name")) == []
