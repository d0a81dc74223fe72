"""Without an OpenID Connect provider configured, single sign-on does not exist: the sign-in page
shows no button (its script asks ``GET /v1/session/oidc`` and gets a 404), every OIDC endpoint is
a 404 with a body in both languages, and signing in with a token works as before."""

from __future__ import annotations

import pytest

from tests.integration.sessions.conftest import Services

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


@pytest.mark.parametrize("path", ["", "/login", "/callback?code=a&state=b", "/logout"])
async def test_every_oidc_endpoint_is_a_404(services: Services, path: str) -> None:
    async with services.client("analytics") as analytics:
        answer = await analytics.get(f"/v1/session/oidc{path}", follow_redirects=False)
    assert answer.status_code == 404, answer.text
    body = answer.json()
    assert body["error"] == "not_found" and body["message"] and body["message_zh"]
    assert "set-cookie" not in answer.headers


async def test_the_sign_in_page_keeps_its_button_hidden_and_tokens_still_sign_in(services: Services) -> None:
    services.browser.clear()
    async with services.client("analytics") as analytics:
        page = await analytics.get("/sign-in")
        assert '<div id="sso" hidden>' in page.text  # shown by the script only when a provider answers
    await services.sign_in("operator")
    assert {name: answer.status_code for name, answer in (await services.read_everywhere()).items()} == {
        name: 403
        for name in services.apps  # signed in; an operator is no admin
    }
