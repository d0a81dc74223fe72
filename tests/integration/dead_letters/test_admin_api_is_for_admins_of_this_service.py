"""The dead-letter API is for admins, and for this service's own consumers' letters: no token is
401, any other role 403, another service's letter 404 as if it did not exist."""

from __future__ import annotations

import pytest

from tests.integration.dead_letters.conftest import OTHER_CONSUMER, Harness
from tests.support.auth import bearer

pytestmark = pytest.mark.integration


def requests(letter_id: int) -> list[tuple[str, str, dict[str, str] | None]]:
    base = "/v1/admin/dead-letters"
    return [
        ("GET", base, None),
        ("GET", f"{base}/{letter_id}", None),
        ("POST", f"{base}/{letter_id}/retry", None),
        ("POST", f"{base}/{letter_id}/discard", {"reason": "OPS-3"}),
    ]


async def test_no_token_is_401_and_other_roles_are_403(harness: Harness) -> None:
    letter_id = await harness.foreign_letter()
    for method, url, body in requests(letter_id):
        answer = await harness.client.request(method, url, json=body)
        assert answer.status_code == 401, url
        assert answer.json()["error"] == "unauthorized"
        answer = await harness.client.request(
            method, url, json=body, headers={"Authorization": "Bearer not-a-token-0123456789"}
        )
        assert answer.status_code == 401, url
        for role in ("channel", "supervisor", "operator", "auditor"):
            answer = await harness.client.request(method, url, json=body, headers=bearer(role))
            assert answer.status_code == 403, (role, url)
            assert answer.json()["error"] == "forbidden"
        answer = await harness.client.request(method, url, json=body, headers=bearer("agent", "quality"))
        assert answer.status_code == 403
    assert (await harness.letter(letter_id)).status.value == "open"  # nobody changed it


async def test_another_services_letter_is_404_and_never_listed(harness: Harness) -> None:
    letter_id = await harness.foreign_letter()
    admin = bearer("admin")
    for method, url, body in requests(letter_id)[1:]:
        answer = await harness.client.request(method, url, json=body, headers=admin)
        assert answer.status_code == 404, url
        assert answer.json() == {
            "error": "not_found",
            "message": f"no dead letter {letter_id} among the {harness.runtime.name} service's consumers",
            "message_zh": f"{harness.runtime.name} 服务的消费者没有编号为 {letter_id} 的死信",
        }
    assert (await harness.letter(letter_id)).status.value == "open"  # neither retried nor discarded
    for query in (
        "",
        f"?consumer={OTHER_CONSUMER}",
        "?status=open&status=retrying&status=resolved&status=discarded",
    ):
        listed = await harness.client.get(f"/v1/admin/dead-letters{query}", headers=admin)
        assert listed.status_code == 200
        assert all(entry["consumer"] != OTHER_CONSUMER for entry in listed.json()["letters"])

    unknown = await harness.client.get("/v1/admin/dead-letters/987654321", headers=admin)
    assert unknown.status_code == 404
    for bad in ("0", "abc", str(2**63)):
        answer = await harness.client.get(f"/v1/admin/dead-letters/{bad}", headers=admin)
        assert answer.status_code == 422, bad
    for query in ("?limit=0", "?limit=501", "?status=lost"):
        answer = await harness.client.get(f"/v1/admin/dead-letters{query}", headers=admin)
        assert answer.status_code == 422, query
        assert answer.json()["error"] == "invalid_request"


async def test_the_admin_api_is_in_the_openapi_document(harness: Harness) -> None:
    paths = (await harness.client.get("/openapi.json")).json()["paths"]
    discard = paths["/v1/admin/dead-letters/{letter_id}/discard"]["post"]
    assert set(discard["responses"]) == {"200", "400", "401", "403", "404", "409", "413", "422", "503"}
    assert set(paths["/v1/admin/dead-letters"]["get"]["responses"]) == {"200", "401", "403", "422", "503"}
    assert "202" in paths["/v1/admin/dead-letters/{letter_id}/retry"]["post"]["responses"]
