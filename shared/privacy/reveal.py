"""What a reader may see of a complaint's personal data, opened at read time.

Read models never keep personal data in the clear: they keep the pseudonymous complainant_id and
the sealed ciphertext, and the API opens it here through the key table when it answers. So an
erasure (the key deleted) shows everywhere at once, in rebuilt read models too: without the key
the answer is ``erased`` (已删除). Who sees what is decided by the caller (``unmasked``): those
who must call the complainant back see the details, everybody else sees them masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.complaints.events import Complainant
from shared.privacy.crypto import CannotOpen, open_sealed
from shared.privacy.masking import (
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_reference,
)
from shared.privacy.sealed import SealedPersonalData


class PersonalDataStatus(StrEnum):
    AVAILABLE = "available"
    ERASED = "erased"
    ANONYMOUS = "anonymous"
    NOT_RECORDED = "not_recorded"
    WITHHELD = "withheld"


STATUS_LABELS: dict[PersonalDataStatus, dict[str, str]] = {
    PersonalDataStatus.AVAILABLE: {"zh-CN": "已加密保存", "en": "Kept encrypted"},
    PersonalDataStatus.ERASED: {"zh-CN": "已删除", "en": "Erased"},
    PersonalDataStatus.ANONYMOUS: {"zh-CN": "匿名", "en": "Anonymous"},
    PersonalDataStatus.NOT_RECORDED: {
        "zh-CN": "未保存（加密前受理）",
        "en": "Not available (received before encryption)",
    },
    PersonalDataStatus.WITHHELD: {"zh-CN": "未显示", "en": "Not shown here"},
}


class PersonalDataView(BaseModel):
    """The complainant's personal data as this caller may see it."""

    model_config = ConfigDict(frozen=True)

    status: PersonalDataStatus = Field(
        description="available; erased (the key was deleted: 已删除); anonymous; not_recorded "
        "(received before personal data was encrypted); withheld (this view does not show it)."
    )
    status_label: dict[str, str] = Field(description="The status for people, zh-CN and en.")
    complainant_id: UUID | None = Field(description="The pseudonymous complainant id; null when anonymous.")
    masked: bool = Field(description="True when the values below are masked for this caller's role.")
    name: str | None = Field(None, description="Name (masked: 张*).")
    phone: str | None = Field(None, description="Phone (masked: 138****5678).")
    email: str | None = Field(None, description="Email (masked: a***@example.com).")
    address: str | None = Field(None, description="Postal address (masked: first 6 characters).")
    id_number: str | None = Field(None, description="ID number (masked: first 3 and last 4).")
    customer_id: str | None = Field(None, description="Customer number (masked: last 4).")
    employee_id: str | None = Field(None, description="Employee number (masked: last 4).")
    department: str | None = Field(None, description="An employee's own department code.")

    @property
    def display_name(self) -> str | None:
        return self.name if self.status is PersonalDataStatus.AVAILABLE else None


def _status_only(status: PersonalDataStatus, complainant_id: UUID | None, masked: bool) -> PersonalDataView:
    return PersonalDataView(
        status=status, status_label=STATUS_LABELS[status], complainant_id=complainant_id, masked=masked
    )


def withheld(anonymous: bool, complainant_id: UUID | None) -> PersonalDataView:
    """For views that show no personal data at all (lists of risks, reports)."""
    if anonymous:
        return _status_only(PersonalDataStatus.ANONYMOUS, None, True)
    return _status_only(PersonalDataStatus.WITHHELD, complainant_id, True)


def masked_fields(complainant: Complainant) -> dict[str, Any]:
    return {
        "name": mask_name(complainant.name),
        "phone": mask_phone(complainant.phone),
        "email": mask_email(complainant.email),
        "address": mask_address(complainant.address),
        "id_number": mask_id_number(complainant.id_number),
        "customer_id": mask_reference(complainant.customer_id),
        "employee_id": mask_reference(complainant.employee_id),
        "department": complainant.department,
    }


def reveal(
    complaint_no: str,
    *,
    anonymous: bool,
    complainant_id: UUID | None,
    sealed: SealedPersonalData | Mapping[str, Any] | None,
    keys: Mapping[UUID, bytes],
    unmasked: bool,
) -> PersonalDataView:
    """Open the sealed data with the complainant's key from ``keys`` (the key table's rows)."""
    masked = not unmasked
    if anonymous:
        return _status_only(PersonalDataStatus.ANONYMOUS, None, masked)
    if complainant_id is None or sealed is None:
        return _status_only(PersonalDataStatus.NOT_RECORDED, None, masked)
    key = keys.get(complainant_id)
    if key is None:
        return _status_only(PersonalDataStatus.ERASED, complainant_id, masked)
    data = sealed if isinstance(sealed, SealedPersonalData) else SealedPersonalData.model_validate(sealed)
    try:
        complainant = open_sealed(key, data, complaint_no)
    except CannotOpen:
        return _status_only(PersonalDataStatus.ERASED, complainant_id, masked)
    fields = masked_fields(complainant) if masked else complainant.model_dump()
    return PersonalDataView(
        status=PersonalDataStatus.AVAILABLE,
        status_label=STATUS_LABELS[PersonalDataStatus.AVAILABLE],
        complainant_id=complainant_id,
        masked=masked,
        **fields,
    )
