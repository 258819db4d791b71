"""/docs works on a network with no internet: every file comes from the backend, nothing breaks its CSP."""

from __future__ import annotations

from tests.browser.conftest import LiveServer, Watched
from tests.factories import Api, make_admin


def test_docs_render_the_operations_with_every_other_host_blocked(watched: Watched, live_server: LiveServer):
    page = watched.page
    page.goto(f"{live_server.url}/docs")

    page.locator("#operations-tag-Patients").wait_for(state="visible")
    assert page.locator('.opblock-summary-path[data-path="/api/v1/patients"]').first.is_visible()
    assert page.get_by_role("heading", name="Signing in").is_visible()
    assert f"{live_server.url}/api/v1/openapi.json" in watched.requested
    assert watched.problems() == []


def test_a_bearer_token_pasted_under_authorize_signs_the_page_in(watched: Watched, live_server: LiveServer):
    with live_server.app.app_context():
        admin = make_admin()
        email, token = admin.email, Api(live_server.app).token_for(admin)
    page = watched.page
    page.goto(f"{live_server.url}/docs")

    page.locator("button.authorize").first.click()
    bearer = page.locator(".auth-container").filter(has=page.locator("h4 code", has_text="bearer"))
    bearer.locator("input").fill(token)
    bearer.get_by_role("button", name="Apply credentials").click()
    bearer.get_by_role("button", name="Close").click()
    me = page.locator(".opblock-get").filter(has=page.locator('[data-path="/api/v1/me"]'))
    me.locator(".opblock-summary-control").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()

    response = me.locator(".live-responses-table .response").first
    response.locator(".response-col_status").wait_for(state="visible")
    assert response.locator(".response-col_status").inner_text().strip().startswith("200")
    assert email in response.locator(".response-col_description").inner_text()
    assert watched.problems() == []
