"""The OpenAPI document at both of its paths, and /docs served wholly by the backend."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from telehealth.common.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from telehealth.progress.schemas import MAX_BATCH
from telehealth.vendored import PACKAGES


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_styles = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.urls += [found[name] or "" for name in ("src", "href") if name in found and tag != "a"]
        self.inline_styles += "style" in found or tag == "style"
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        self.inline_scripts += self._in_script and bool(data.strip())


def test_the_openapi_document_is_also_under_the_api_base(client):
    at_root = client.get("/openapi.json")
    under_base = client.get("/api/v1/openapi.json")
    assert under_base.status_code == 200 and under_base.content_type == "application/json"
    assert under_base.json == at_root.json
    assert "/api/v1/openapi.json" in under_base.json["paths"]


def test_the_document_sends_try_it_out_to_the_host_the_reader_came_from(client):
    # The document is built once; a clinic reaching the server by another name must not get the first one.
    client.get("/openapi.json", base_url="http://10.1.2.3:5000")
    spec = client.get("/api/v1/openapi.json", base_url="https://api.clinic.example").json
    assert [server["url"] for server in spec["servers"]] == ["/"]


def test_the_docs_page_loads_only_files_the_backend_serves(client):
    page = client.get("/docs")
    assets = _Assets()
    assets.feed(page.get_data(as_text=True))
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets.urls)
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not on our own host"
        assert client.get(url).status_code == 200, url
    assert (assets.inline_scripts, assets.inline_styles) == (0, 0)
    assert 'data-spec-url="/api/v1/openapi.json"' in page.get_data(as_text=True)


def test_apiflask_serves_no_docs_ui_of_its_own(client):
    # Its page would load Swagger UI from a CDN; only ours may answer /docs.
    assert [rule.endpoint for rule in client.application.url_map.iter_rules() if rule.rule == "/docs"] == [
        "apidocs.docs"
    ]
    assert client.get("/docs/oauth2-redirect").status_code == 404


def test_every_vendored_package_ships_its_licence(client):
    for package in PACKAGES:
        assert "LICENSE" in package.files, package.name
        licence = client.get(f"/static/vendor/{package.folder}/LICENSE")
        assert licence.status_code == 200 and b"License" in licence.data


def test_the_document_opens_with_how_to_sign_in_then_errors_lists_and_idempotency(client):
    description = client.get("/api/v1/openapi.json").json["info"]["description"]
    headings = re.findall(r"^## (.+)$", description, flags=re.MULTILINE)
    assert headings[0] == "Signing in"
    assert (
        headings.index("Errors")
        < headings.index("Lists")
        < headings.index("Idempotency (offline progress logs)")
    )
    signing_in = description.split("\n## ")[0]
    for needed in ("POST /api/v1/auth/tokens", "Authorization: Bearer", "POST /api/v1/auth/login"):
        assert needed in signing_in
    assert "X-CSRF-Token" in signing_in and "GET /api/v1/auth/csrf" in signing_in
    assert "application/problem+json" in description
    for status in (400, 401, 403, 404, 409, 415, 422, 429):
        assert re.search(rf"^\| {status} \|", description, flags=re.MULTILINE), status
    assert f"`per_page` (1 to {MAX_PER_PAGE}, default {DEFAULT_PER_PAGE})" in description
    assert f"up to {MAX_BATCH} logs" in description
