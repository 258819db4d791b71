"""Every screen of the patient app: no serious or critical axe-core finding, touch targets of at least
44 px, the main task done by keyboard alone, and the language a patient chose kept on the device."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.conftest import LiveServer
from tests.browser.patient_app import (
    add_history,
    logs_of,
    make_app_patient,
    phone,
    serious_violations,
    sign_in,
    small_targets,
    unexpected,
)


def check(page, where: str, findings: dict[str, list[str]]) -> None:
    page.locator("#page-title").wait_for()
    page.wait_for_load_state("networkidle")
    problems = serious_violations(page) + [f"under 44 px: {target}" for target in small_targets(page)]
    if problems:
        findings[where] = problems


def test_no_screen_has_a_serious_accessibility_violation_or_a_small_touch_target(
    browser, live_server: LiveServer
):
    invited = make_app_patient(live_server, invited=True)
    patient = make_app_patient(live_server)
    add_history(live_server, patient)
    findings: dict[str, list[str]] = {}
    with phone(browser, live_server) as watch:
        page = watch.page
        for path in ("/app/signin", "/app/reset-password", "/app/confirm-email?token=t", "/app/no-such-page"):
            page.goto(f"{live_server.url}{path}")
            check(page, path, findings)
        page.goto(invited.invitation)
        check(page, "invitation", findings)
        page.goto(f"{live_server.url}/app/unsubscribe?token=damaged")
        page.get_by_text("This link does not work").wait_for()
        check(page, "unsubscribe", findings)

        sign_in(watch, patient)
        check(page, "today", findings)
        page.locator("article.exercise").first.get_by_role("button", name="Done", exact=True).click()
        check(page, "today, logging", findings)
        for link, where in (
            ("Progress", "progress"),
            ("Visits", "visits"),
            ("Reminders", "reminders"),
            ("Account", "account"),
        ):
            page.get_by_role("link", name=link).click()
            page.get_by_role("heading", name=link, level=1).wait_for()
            check(page, where, findings)
        for instrument in ("nprs", "psfs", "odi"):
            page.goto(f"{live_server.url}/app/progress/{instrument}")
            page.get_by_role("button", name="Send").wait_for()
            check(page, instrument, findings)
        page.goto(f"{live_server.url}/app/visits")
        page.locator("article.visit a").first.click()
        page.get_by_role("heading", name="Video visit", level=1).wait_for()
        check(page, "one visit", findings)
        page.goto(f"{live_server.url}/app/account")
        page.get_by_label("Show the app in").select_option("es")
        page.get_by_role("heading", name="Cuenta").wait_for()
        page.get_by_role("link", name="Hoy").click()
        page.get_by_role("heading", name="Hoy").wait_for()
        check(page, "today in Spanish", findings)
        assert findings == {}, "\n".join(f"{where}: {p}" for where, ps in findings.items() for p in ps)
        assert unexpected(watch, allowed=((400, "/notifications/unsubscribe"),)) == []


def test_a_patient_logs_an_exercise_with_the_keyboard_alone(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    with phone(browser, live_server) as watch:
        page = watch.page

        def tab_to(selector: str, limit: int = 60) -> None:
            for _ in range(limit):
                page.keyboard.press("Tab")
                if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        page.goto(f"{live_server.url}/app/signin")
        page.locator("#page-title").wait_for()
        tab_to("input[name=email]")
        page.keyboard.type(patient.email)
        tab_to("input[name=password]")
        page.keyboard.type("correct-horse-battery")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Today", level=1).wait_for()

        tilt = patient.assignments["Pelvic tilt"]
        tab_to(f"#done-{tilt}")
        page.keyboard.press("Enter")
        tab_to("input[name=pain_score]")
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        tab_to("input[name=difficulty]")
        page.keyboard.press("ArrowRight")  # a radio group: arrows move and choose
        tab_to("button[type=submit]")
        page.keyboard.press("Enter")
        page.get_by_text("1 of 2 done").wait_for()
        # Focus comes back to the exercise just logged, not to the top of the page.
        expect(page.locator(f"#done-{tilt}")).to_be_focused()
        [log] = logs_of(live_server, patient)
        assert (log.assignment_id, log.pain_score, log.difficulty) == (uuid.UUID(tilt), 3, 2)

        tab_to("a.tab-progress")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Progress", level=1)).to_be_focused()
        assert unexpected(watch) == []


def test_the_language_a_patient_chooses_is_kept_on_the_device(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    with phone(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, patient)
        page.get_by_role("link", name="Account").click()
        page.get_by_label("Show the app in").select_option("es")
        page.get_by_role("heading", name="Cuenta", level=1).wait_for()
        page.reload()
        page.get_by_role("heading", name="Cuenta", level=1).wait_for()
        assert page.evaluate("document.documentElement.lang") == "es"
        page.get_by_role("link", name="Hoy").click()
        tilt = page.locator("article.exercise", has_text="Pelvic tilt")
        expect(tilt.locator(".dose")).to_have_text("2 \u00d7 10 · una vez al día")
        expect(page.get_by_text("0 de 2 hechos")).to_be_visible()
        assert unexpected(watch) == []
