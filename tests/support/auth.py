"""Known bearer tokens for tests, one per role and department."""

from __future__ import annotations

from shared.events import Role
from shared.service.auth import TokenEntry, TokenRegistry

DEPARTMENTS = ("customer_service", "quality", "after_sales", "logistics", "finance", "hr", "administration")


def token_for(role: str, department: str | None = None) -> str:
    return f"test-token-{role}-{department or 'all'}-0123456789"


def test_tokens() -> TokenRegistry:
    return TokenRegistry(test_token_entries())


def test_token_entries() -> list[TokenEntry]:
    entries = [
        TokenEntry(token=token_for(role.value), subject=f"test-{role.value}", role=role)
        for role in (
            Role.CHANNEL,
            Role.SUPERVISOR,
            Role.OPERATOR,
            Role.AUDITOR,
            Role.ADMIN,
            Role.DIRECTOR,
            Role.PR_OWNER,
            Role.QUALITY_ENGINEER,
        )
    ]
    entries += [
        TokenEntry(token=token_for("agent", d), subject=f"agent-{d}", role=Role.AGENT, department=d)
        for d in DEPARTMENTS
    ]
    entries += [
        TokenEntry(
            token=token_for("department_head", d),
            subject=f"head-{d}",
            role=Role.DEPARTMENT_HEAD,
            department=d,
        )
        for d in DEPARTMENTS
    ]
    return entries


def bearer(role: str, department: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(role, department)}"}


# helpers, not tests: modules that import them under these names must not collect them
test_tokens.__test__ = False  # type: ignore[attr-defined]
test_token_entries.__test__ = False  # type: ignore[attr-defined]
