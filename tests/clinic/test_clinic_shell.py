"""/clinic/ is served whole by the backend: one shell for every page, only our own files under a
strict CSP, and one message catalog per language that says everything the console's code asks for."""

from __future__ import annotations

import json
import re
from pathlib import Path

from telehealth import devstack
from telehealth.clinic import routes

CLINIC = Path(routes.STATIC_CLINIC)
SHARED = CLINIC.parent / "shared"
SCRIPTS = sorted([*CLINIC.rglob("*.js"), *SHARED.rglob("*.js")])


def catalog(language: str) -> dict[str, str]:
    shared = json.loads((SHARED / "i18n" / f"{language}.json").read_text(encoding="utf-8"))
    return {**shared, **json.loads((CLINIC / "i18n" / f"{language}.json").read_text(encoding="utf-8"))}


def test_every_console_page_is_the_same_shell_with_a_strict_csp(client):
    page = client.get("/clinic/caseload")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<script type="module" src="/static/clinic/main.js"></script>' in html
    assert "<style" not in html and " style=" not in html and "onclick" not in html
    for url in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        assert client.get(url).status_code == 200, url
    assert client.get("/clinic/patients/x/program").get_data() == page.get_data()
    assert client.get("/clinic").headers["Location"].endswith("/clinic/")
    csp = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'none'" and csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'"
    assert "worker-src" not in csp and "unsafe" not in page.headers["Content-Security-Policy"]


def test_english_and_spanish_say_the_same_things():
    en, es = catalog("en"), catalog("es")
    assert set(en) == set(es)
    for key, text in en.items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", es[key])), key
        assert es[key].strip(), key


def test_every_message_the_console_asks_for_is_in_its_catalog():
    keys = set(catalog("en"))
    plural_stems = {key.rsplit(".", 1)[0] for key in keys if key.endswith((".one", ".other"))}
    asked = set()
    for script in SCRIPTS:
        if script.is_relative_to(SHARED) and script.name != "ui.js":
            continue
        asked |= set(re.findall(r'\bt\("([\w.-]+)"', script.read_text()))
    assert sorted(key for key in asked if key not in keys and key not in plural_stems) == []
    main = (CLINIC / "main.js").read_text()
    # Each navigation entry has its label; keys built at run time have each of their values.
    built = {"nav.": re.findall(r'nav: "(\w+)"', main)}
    built["visits.status."] = ["scheduled", "in_progress", "completed", "cancelled", "no_show"]
    built["visits.kind."] = ["screening", "initial_evaluation", "follow_up"]
    built["flag."] = ["inactive", "low_adherence", "pain_increase", "rom_asymmetry", "outcome_worsened"]
    built["deliveries.status."] = ["pending", "queued", "sending", "sent", "failed", "skipped"]
    built["direction."] = ["improved", "worsened", "unchanged"]
    assert sorted(p + v for p, values in built.items() for v in values if p + v not in keys) == []


def test_make_run_says_where_the_clinic_console_is(app):
    banner = devstack.banner(5000)
    assert "Clinic:      http://localhost:5000/clinic/" in banner
    assert "tess.thompson@demo-clinic.org" in banner and "admin@demo-clinic.org" in banner
