"""Browser tests: the app served on a free localhost port, driven by Debian's Chromium with Playwright.

Every request to a host other than the live server is blocked and recorded, so a page that passes
here works on a clinic network with no internet. Without Chromium (`apt-get install -y chromium`)
or Playwright the tests skip, unless TELEHEALTH_REQUIRE_SERVICES=1, where they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from apiflask import APIFlask
from werkzeug.serving import make_server

from telehealth import create_app
from telehealth.extensions import db

CHROMIUM = os.environ.get("TELEHEALTH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REQUIRE = os.environ.get("TELEHEALTH_REQUIRE_SERVICES") == "1"
# Reported by the page itself: Chromium also logs a violation to the console, this keeps its detail.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations = window.__cspViolations || [];
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


def _unavailable(message: str) -> None:
    if REQUIRE:
        pytest.fail(message + " (TELEHEALTH_REQUIRE_SERVICES=1)")
    pytest.skip(message)


@dataclass
class LiveServer:
    app: APIFlask
    url: str  # the origin, http://127.0.0.1:<port>, no trailing slash


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on its own SQLite file, served by werkzeug from a thread; tests add data in app_context."""
    database = Path(tmp_path_factory.mktemp("live")) / "live.db"
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url  # links in emails lead back to this server
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, url)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _unavailable(f"Playwright is not installed: {exc}")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page, and every sign that something on it went wrong."""

    page: Any
    origin: str
    outside: list[str] = field(default_factory=list)  # requests to any other host, blocked
    failed: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # answers of 400 and above

    def csp_violations(self) -> list[str]:
        # Every page still open (a closed one's violations reached the console errors too).
        pages = self.page.context.pages if self.page.is_closed() else [self.page]
        return [text for page in pages for text in page.evaluate("window.__cspViolations || []")]

    def problems(self) -> list[str]:
        return (
            [f"outside request: {url}" for url in self.outside]
            + [f"failed request: {url}" for url in self.failed]
            + [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"CSP violation: {text}" for text in self.csp_violations()]
        )


@contextmanager
def watched_context(browser: Any, live_server: LiveServer, **options: Any) -> Iterator[Watched]:
    """A fresh browser context (Playwright `new_context` options) that reaches the live server only.

    Every page the context opens is watched; `watch.page` is the first.
    """
    context = browser.new_context(**options)
    context.set_default_timeout(15_000)
    watch = Watched(None, live_server.url)

    def route(route: Any) -> None:
        url = route.request.url
        if f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" == live_server.url:
            watch.requested.append(url)
            route.continue_()
        else:
            watch.outside.append(url)
            route.abort("blockedbyclient")

    def attach(page: Any) -> None:
        page.on("requestfailed", lambda request: watch.failed.append(f"{request.url} ({request.failure})"))
        page.on("console", lambda msg: watch.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda error: watch.page_errors.append(str(error)))

    def answered(response: Any) -> None:
        if response.status >= 400:
            watch.refused.append((response.status, response.url))

    context.route("**/*", route)
    context.add_init_script(CSP_LISTENER)
    context.on("page", attach)
    context.on("response", answered)
    watch.page = context.new_page()
    try:
        yield watch
    finally:
        context.close()


@pytest.fixture
def watched(browser: Any, live_server: LiveServer) -> Iterator[Watched]:
    """A fresh browser context whose page can reach the live server and nothing else."""
    with watched_context(browser, live_server) as watch:
        yield watch
