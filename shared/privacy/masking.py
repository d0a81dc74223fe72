"""Masking personal data for people who may not see it in full (运营、审计 and the like).

张三 → 张*, 13812345678 → 138****5678, alice@example.com → a***@example.com, an ID number keeps
its first 3 and last 4 characters. What is left is enough to recognise a record on the phone
("the number ending 5678"), not to contact or identify the person.
"""

from __future__ import annotations


def mask_name(name: str | None) -> str | None:
    """The first character and one star per further character: 张三 → 张*, John → J***.

    A one-character name is all stars (showing it would show the whole name).
    """
    if name is None:
        return None
    chars = list(name.strip())
    if not chars:
        return None
    if len(chars) == 1:
        return "*"
    return chars[0] + "*" * (len(chars) - 1)


def _keep(value: str, first: int, last: int) -> str:
    if len(value) <= first + last:
        return "*" * len(value)
    return value[:first] + "*" * (len(value) - first - last) + value[len(value) - last :]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 → 138****5678: the first 3 and last 4 digits (shorter numbers: last 2 only)."""
    if phone is None:
        return None
    digits = phone.strip()
    if len(digits) >= 11:
        return _keep(digits, 3, 4)
    return _keep(digits, 0, 2)


def mask_email(email: str | None) -> str | None:
    """alice@example.com → a***@example.com: the first character of the local part, the domain."""
    if email is None:
        return None
    local, at, domain = email.strip().partition("@")
    if not at:
        return _keep(local, 1, 0)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_id_number(number: str | None) -> str | None:
    """110101199003074514 → 110***********4514: the first 3 and last 4 characters."""
    if number is None:
        return None
    return _keep(number.strip(), 3, 4)


def mask_address(address: str | None) -> str | None:
    """Only the first 6 characters (province and city, roughly), then ***."""
    if address is None:
        return None
    text = address.strip()
    return text[:6] + "***" if len(text) > 6 else "***"


def mask_reference(reference: str | None) -> str | None:
    """Customer and employee numbers: the last 4 characters only."""
    if reference is None:
        return None
    return _keep(reference.strip(), 0, 4)
