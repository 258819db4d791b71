"""Every screen of the clinic console: no serious or critical axe-core finding and no CSP violation
at laptop size; at tablet size, no control under 44 px as well; the main tasks by keyboard alone."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.clinic_console import (
    ADMIN_EMAIL,
    FLAGGED,
    TABLET,
    THERAPIST,
    laptop,
    screening_request,
    seed,
    sign_in,
    therapist_id_of,
)
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import serious_violations, small_targets, unexpected


def check(page, where: str, findings: dict[str, list[str]], *, targets: bool = False) -> None:
    page.locator("#page-title").wait_for()
    page.wait_for_load_state("networkidle")
    problems = serious_violations(page)
    if targets:
        problems += [f"under 44 px: {target}" for target in small_targets(page)]
    if problems:
        findings[where] = problems


@pytest.fixture
def screening_id(live_server: LiveServer) -> str:
    """An urgent request holding one of Tess's slots, and one without a slot or date of birth."""
    seed(live_server)
    tag = uuid.uuid4().hex[:6]
    screening_request(live_server, f"no.slot.{tag}@screening-test.org", first_name="Nora")
    urgent = screening_request(
        live_server,
        f"urgent.{tag}@screening-test.org",
        first_name="Uma",
        slot_of=therapist_id_of(live_server, THERAPIST),
        red_flags=["night_pain", "saddle_numbness"],
        message="Sharp pain down the left leg since a fall.",
    )
    return urgent["id"]


def therapist_screens(page, origin: str, screening: str) -> list[tuple[str, str]]:
    page.goto(f"{origin}/clinic/caseload")
    page.get_by_role("link", name=FLAGGED).click()
    page.get_by_role("heading", name=FLAGGED, level=1).wait_for()
    patient = page.url.rsplit("/", 1)[1]
    page.goto(f"{origin}/clinic/visits")
    page.locator(".week .visit a").first.wait_for()
    visit = page.locator(".week .visit a").first.get_attribute("href")
    if visit is None:  # the demo's visits are three days out: the next week holds them
        page.goto(f"{origin}/clinic/visits")
    return [
        ("caseload", "/clinic/caseload"),
        ("patient", f"/clinic/patients/{patient}"),
        ("program", f"/clinic/patients/{patient}/program"),
        ("hips and outcomes", f"/clinic/patients/{patient}/measures"),
        ("reminders and RTM", f"/clinic/patients/{patient}/record"),
        ("visits", "/clinic/visits"),
        ("one visit", visit),
        ("screening requests", "/clinic/screening"),
        ("one screening request", f"/clinic/screening/{screening}"),
        ("patients", "/clinic/patients"),
        ("library", "/clinic/library"),
        ("templates", "/clinic/templates"),
    ]


def test_every_screen_passes_axe_with_no_csp_violation_on_a_laptop(
    browser, live_server: LiveServer, screening_id: str
):
    findings: dict[str, list[str]] = {}
    with laptop(browser, live_server) as watch:
        page = watch.page
        page.goto(f"{live_server.url}/clinic/signin")
        check(page, "sign-in", findings)
        page.goto(f"{live_server.url}/clinic/no-such-page")
        check(page, "not found", findings)
        sign_in(watch, THERAPIST, landing="Caseload")
        for where, path in therapist_screens(page, live_server.url, screening_id):
            page.goto(f"{live_server.url}{path}")
            check(page, where, findings)
        page.get_by_label("Language").select_option("es")
        page.get_by_role("heading", name="Plantillas de programa").wait_for()
        check(page, "templates in Spanish", findings)
        page.get_by_label("Idioma").select_option("en")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Clinic sign-in").wait_for()
        sign_in(watch, ADMIN_EMAIL, landing="Patients")
        # An admin's view of a patient asks only for what admins may read (no adherence: 403).
        patient_page = page.locator("table a[href^='/clinic/patients/']").first.get_attribute("href")
        for where, path in (
            ("one patient (admin)", patient_page),
            ("therapists", "/clinic/therapists"),
            ("audit", "/clinic/audit"),
            ("screening requests (admin)", "/clinic/screening"),
            ("one screening request (admin)", f"/clinic/screening/{screening_id}"),
        ):
            page.goto(f"{live_server.url}{path}")
            check(page, where, findings)
        assert findings == {}, "\n".join(f"{where}: {p}" for where, ps in findings.items() for p in ps)
        assert unexpected(watch) == []


def test_on_a_tablet_every_control_is_a_44_px_target(browser, live_server: LiveServer, screening_id: str):
    findings: dict[str, list[str]] = {}
    with laptop(browser, live_server, **TABLET) as watch:
        page = watch.page
        sign_in(watch, THERAPIST, landing="Caseload")
        for where, path in therapist_screens(page, live_server.url, screening_id):
            page.goto(f"{live_server.url}{path}")
            check(page, where, findings, targets=True)
        assert findings == {}, "\n".join(f"{where}: {p}" for where, ps in findings.items() for p in ps)
        assert unexpected(watch) == []


def test_by_keyboard_a_therapist_signs_in_opens_a_patient_and_records_rotation(browser, live_server):
    seed(live_server)
    with laptop(browser, live_server) as watch:
        page = watch.page
        keys = page.keyboard
        page.goto(f"{live_server.url}/clinic/signin")
        page.get_by_role("heading", name="Clinic sign-in").wait_for()
        page.get_by_label("Email").focus()
        keys.type(THERAPIST)
        keys.press("Tab")
        keys.type("demo-password-2026")
        keys.press("Enter")
        page.get_by_role("heading", name="Caseload", level=1).wait_for()
        # Tab until the flagged patient's link has focus, then open it with Enter.
        for _ in range(40):
            keys.press("Tab")
            if page.evaluate("document.activeElement.textContent") == FLAGGED:
                break
        keys.press("Enter")
        page.get_by_role("heading", name=FLAGGED, level=1).wait_for()
        expect(page.locator("#page-title")).to_be_focused()
        page.get_by_role("link", name="Hips and outcomes").focus()
        keys.press("Enter")
        page.get_by_role("heading", name="Record hip rotation").wait_for()
        page.locator("#rom-left-internal").focus()
        for value in ("30", "40", "35", "45"):
            keys.type(value)
            keys.press("Tab")
            if page.evaluate("document.activeElement.id") == "rom-total-left":
                keys.press("Tab")
        expect(page.locator("#rom-total-left")).to_have_text("70°")
        expect(page.locator("#rom-total-right")).to_have_text("80°")
        expect(page.locator("form .asymmetry")).to_have_text("Asymmetry 10°: flagged (threshold 10°).")
        page.get_by_role("button", name="Save the readings").focus()
        keys.press("Enter")
        latest = page.locator("section", has=page.get_by_role("heading", name="Latest clinician readings"))
        expect(latest.locator("tbody tr").first).to_contain_text("70°")
        assert unexpected(watch) == []
