"""/app/ is served whole by the backend: one shell for every page, only our own files, a strict CSP,
a service worker that keeps every app file, a manifest, and one message catalog per language."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest

from telehealth import devstack, links
from telehealth.webapp import routes

APP = Path(routes.STATIC_APP)
SHARED = Path(routes.STATIC_SHARED)
SCRIPTS = sorted([*APP.rglob("*.js"), *SHARED.rglob("*.js")])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline = 0
        self.modules: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.assets += [found[name] or "" for name in ("src", "href") if name in found]
        self.inline += "style" in found or tag == "style" or any(name.startswith("on") for name in found)
        if tag == "script" and found.get("type") == "module":
            self.modules.append(found["src"] or "")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        self.inline += self._script and bool(data.strip())


def router_paths() -> list[str]:
    return re.findall(r'^route\("([^"]+)"', (APP / "main.js").read_text(), flags=re.MULTILINE)


def test_every_page_is_the_same_shell_running_only_our_own_files(client):
    page = client.get("/app/today")
    parsed = _Page()
    parsed.feed(page.get_data(as_text=True))
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert parsed.inline == 0 and parsed.modules == ["/static/app/main.js"]
    for url in parsed.assets:
        assert url.startswith("/") and not url.startswith("//"), url
        assert client.get(url).status_code == 200, url
    assert client.get("/app/anything/at/all").get_data() == page.get_data()
    assert client.get("/app").headers["Location"].endswith("/app/")


def test_the_apps_pages_allow_no_inline_script_and_no_other_host_for_code(client):
    answer = client.get("/app/today")
    csp = dict(part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["worker-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'" and csp["base-uri"] == "'none'"
    assert "unsafe" not in answer.headers["Content-Security-Policy"]
    assert (
        client.get("/app/sw.js").headers["Content-Security-Policy"]
        == answer.headers["Content-Security-Policy"]
    )


def test_every_link_in_a_message_lands_on_a_page_the_app_has(app, client):
    pages = [
        links.invitation("t"),
        links.password_reset("t"),
        links.email_change("t"),
        links.unsubscribe_page("t"),
        links.screening_confirmation("t"),
        links.app_url(links.SCREENING),
        links.today(),
        links.visit(uuid.uuid4()),
    ]
    patterns = [re.compile("^/app" + re.sub(r":\w+", "[^/]+", path) + "$") for path in router_paths()]
    for url in pages:
        assert url.startswith(app.config["PUBLIC_BASE_URL"] + "/app/"), url
        path = url.removeprefix(app.config["PUBLIC_BASE_URL"]).split("?")[0]
        assert any(pattern.match(path) for pattern in patterns), f"no view answers {path}"
        assert client.get(path).status_code == 200


def test_the_service_worker_keeps_every_app_file_and_each_is_served(client):
    worker = client.get("/app/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-cache"  # a new version reaches phones on their next visit
    source = worker.get_data(as_text=True)
    kept = json.loads(re.search(r"^const PRECACHE = (.+);$", source, flags=re.MULTILINE)[1])
    expected = {
        f"/static/{path.relative_to(APP.parent).as_posix()}"
        for folder in (APP, SHARED)
        for path in folder.rglob("*")
        if path.is_file()
    }
    assert "/static/shared/api.js" in expected
    assert expected | {"/app/", "/app/manifest.webmanifest"} == set(kept)
    for url in kept:
        assert client.get(url).status_code == 200, url


def test_the_service_worker_changes_with_any_app_file(app, tmp_path, monkeypatch):
    copy = tmp_path / "app"
    shutil.copytree(APP, copy)
    monkeypatch.setattr(routes, "STATIC_APP", copy)
    with app.test_request_context():
        before = routes.version()
        (copy / "app.css").write_text((copy / "app.css").read_text() + "\n/* changed */\n")
        assert routes.version() != before


def test_the_manifest_makes_the_app_installable(client):
    manifest = client.get("/app/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.json
    assert body["display"] == "standalone" and body["scope"] == "/app/"
    assert body["start_url"].startswith(body["scope"])
    assert {icon["sizes"] for icon in body["icons"]} >= {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200


@pytest.fixture(scope="module")
def catalogs() -> dict[str, dict[str, str]]:
    # The app's own catalog and the shared one are read together, as the browser reads them.
    return {
        path.stem: {
            **json.loads((SHARED / "i18n" / path.name).read_text(encoding="utf-8")),
            **json.loads(path.read_text(encoding="utf-8")),
        }
        for path in (APP / "i18n").glob("*.json")
    }


def test_english_and_spanish_say_the_same_things(catalogs):
    assert set(catalogs) == {"en", "es"}
    assert set(catalogs["en"]) == set(catalogs["es"])
    for key, text in catalogs["en"].items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", catalogs["es"][key])), key
        assert catalogs["es"][key].strip(), key


def test_every_message_the_code_asks_for_is_in_the_catalog(catalogs):
    keys = set(catalogs["en"])
    plural_stems = {key.rsplit(".", 1)[0] for key in keys if key.endswith((".one", ".other"))}
    asked = set()
    for script in SCRIPTS:
        asked |= set(re.findall(r'\bt\("([\w.-]+)"', script.read_text()))
    missing = sorted(key for key in asked if key not in keys and key not in plural_stems)
    assert missing == []
    # Keys built at run time: each of their values must be there too.
    built = {
        "dose.side.": ["left", "right", "both"],
        "visits.status.": ["scheduled", "in_progress", "completed", "cancelled", "no_show"],
        "visits.kind.": ["screening", "initial_evaluation", "follow_up"],
        "channel.": ["email", "sms", "push"],
        "reminders.channel.": ["email", "sms", "push"],
        "band.": ["none", "mild", "moderate", "severe", "minimal", "crippled", "bed_bound"],
        "push.status.": ["on", "off", "blocked", "unsupported", "not-configured"],
        "outbox.status.": ["conflict", "invalid"],
    }
    assert sorted(p + v for p, values in built.items() for v in values if p + v not in keys) == []


def test_no_string_a_patient_reads_is_written_in_the_code():
    # Text goes through t(); the code's own quoted words are class names, types, keys and paths.
    offenders = []
    for script in SCRIPTS:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            if re.search(r'h\("[a-z0-9]+",[^)]*\}, "[A-Z][a-z]+ [a-z]', line):
                offenders.append(f"{script.name}:{number}: {line.strip()}")
    assert offenders == []


def test_make_run_says_where_the_patient_app_is(app):
    banner = devstack.banner(5000)
    assert "Patient app: http://localhost:5000/app/" in banner
    assert "pat.rivera@demo-patients.org" in banner
