"""Who a person from the OpenID Connect provider is in tousu: the role claim (a string or a list,
at a dotted path) must hold exactly one tousu role code, the department claim a known department
(agents need one); the subject is ``oidc:`` and the stable ``sub``. The flow's cookie is signed
and short-lived."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from shared.events import Role
from shared.service.oidc import Flow, OidcConfig, Refusal, identity, known_departments
from shared.settings import Settings

pytestmark = pytest.mark.unit

CONFIG = OidcConfig.from_settings(
    Settings(oidc_issuer="https://idp.example/realms/x/", oidc_client_id="tousu", oidc_client_secret="s3cret")  # type: ignore[arg-type]
)
DEPARTMENTS = known_departments(["moon_base", None])


def who(config: OidcConfig | None = None, **claims: Any) -> Any:
    assert CONFIG is not None
    return identity({"sub": "u-1", **claims}, config or CONFIG, DEPARTMENTS)


def test_the_claims_name_role_department_and_display_name() -> None:
    person = who(tousu_role="agent", tousu_department="quality", name="王芳")
    assert (person.subject, person.role, person.department, person.name) == (
        "oidc:u-1",
        Role.AGENT,
        "quality",
        "王芳",
    )
    assert who(tousu_role="auditor", preferred_username="zhang").name == "zhang"
    assert who(tousu_role="auditor", email="z@example.com").name == "z@example.com"


def test_a_list_keeps_the_one_tousu_role_and_a_dotted_path_reaches_into_objects() -> None:
    assert CONFIG is not None
    keycloak = dataclasses.replace(CONFIG, role_claim="realm_access.roles")
    claims = {"realm_access": {"roles": ["offline_access", "default-roles-x", "supervisor"]}}
    assert who(keycloak, **claims).role == Role.SUPERVISOR


def test_the_roles_added_for_people_sign_in_too() -> None:
    head = who(tousu_role="department_head", tousu_department="quality")
    assert (head.role, head.department) == (Role.DEPARTMENT_HEAD, "quality")
    assert who(tousu_role="director").role == Role.DIRECTOR
    assert who(tousu_role="pr_owner").role == Role.PR_OWNER


def test_a_department_from_the_tokens_file_is_known_too() -> None:
    assert who(tousu_role="agent", tousu_department="moon_base").department == "moon_base"


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({}, "oidc_no_role"),
        ({"tousu_role": "complainant"}, "oidc_no_role"),
        ({"tousu_role": ["agent", "auditor"], "tousu_department": "hr"}, "oidc_ambiguous_role"),
        ({"tousu_role": "agent"}, "oidc_no_department"),
        ({"tousu_role": "department_head"}, "oidc_no_department"),
        ({"tousu_role": "agent", "tousu_department": "mars"}, "oidc_unknown_department"),
        ({"tousu_role": "agent", "tousu_department": ["hr", "quality"]}, "oidc_ambiguous_department"),
    ],
)
def test_a_person_without_one_valid_role_and_department_is_refused(
    claims: dict[str, Any], error: str
) -> None:
    with pytest.raises(Refusal) as refused:
        who(**claims)
    assert refused.value.status == 403 and refused.value.error == error
    assert refused.value.message and refused.value.message_zh


def test_a_long_sub_becomes_a_stable_digest_within_the_column() -> None:
    first, again = who(tousu_role="admin", sub="x" * 255), who(tousu_role="admin", sub="x" * 255)
    assert first.subject == again.subject and len(first.subject) <= 200


def test_what_the_database_cannot_store_is_left_out() -> None:
    person = who(tousu_role="admin", sub="a\x00b", name="\x00\u200b王\x07芳 ")
    assert person.subject.isprintable() and person.subject != "oidc:a\x00b"
    assert person.name == "王芳"


def test_the_issuer_and_scopes_are_normalised_and_the_session_key_is_the_secrets() -> None:
    assert CONFIG is not None
    assert CONFIG.issuer == "https://idp.example/realms/x" and CONFIG.scopes == "openid profile email"
    rotated = dataclasses.replace(CONFIG, client_secret="another")
    assert rotated.token_id != CONFIG.token_id and len(CONFIG.token_id) <= 64


def test_a_provider_without_a_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="client secret"):
        OidcConfig.from_settings(Settings(oidc_issuer="https://idp.example", oidc_client_id="tousu"))


def test_the_flow_cookie_is_signed_and_lasts_ten_minutes() -> None:
    assert CONFIG is not None
    flow = Flow.begin("https://tousu.example/v1/session/oidc/callback", now=1000.0)
    sealed = flow.seal(CONFIG.flow_key)
    assert Flow.open(sealed, CONFIG.flow_key, now=1599.0) == flow
    for value, key, now in (
        (sealed, CONFIG.flow_key, 1600.0),  # expired
        (sealed, b"another key", 1000.0),
        (sealed.replace(".", "x."), CONFIG.flow_key, 1000.0),
        (None, CONFIG.flow_key, 1000.0),
    ):
        with pytest.raises(Refusal) as refused:
            Flow.open(value, key, now)
        assert refused.value.error == "oidc_flow_expired"
    assert 43 <= len(flow.verifier) <= 128 and flow.challenge != flow.verifier
