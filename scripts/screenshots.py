"""Screenshots of every screen of the patient app (phone size) and the clinic console (laptop size,
clinic-*.png), for docs/screenshots/ (`make screenshots`).

Starts the app on a free localhost port with the demo clinic (on a throwaway SQLite file), signs in as
the demo patient, therapist and admin in Debian's Chromium, and saves one PNG per screen. The server's
clock and the browser's are both set to one fixed morning, so the pictures change only when the app does.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--only patient|clinic]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import time_machine
from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from telehealth import create_app
from telehealth.accounts.models import Therapist, User
from telehealth.demo import ADMIN, DEMO_PASSWORD, PATIENTS, THERAPISTS, seed_demo
from telehealth.extensions import db
from telehealth.scheduling import intake

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("TELEHEALTH_CHROMIUM", "/usr/bin/chromium")
# A Tuesday, 09:30 in New York, where the demo patient Pat Rivera lives.
MORNING = datetime(2026, 3, 10, 13, 30, tzinfo=UTC)
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
OFFLINE = "net::ERR_INTERNET_DISCONNECTED"  # what Chromium logs for each request while offline


# Free-screening requests waiting in the console: (first, last, red flags, slot index or None, message).
SCREENING_REQUESTS = [
    ("Dana", "Brooks", [], 3, "Stiff lower back after long drives; better once I walk."),
    ("Miguel", "Ortega", ["night_pain", "unexplained_weight_loss"], 1, "Back pain that wakes me at night."),
    ("Alex", "Kim", [], None, "Hip pain when I run; any time in the evening works."),
]


def add_screening_requests(app) -> None:
    """Confirmed requests, made as a visitor makes them: the public form, then the emailed link."""
    client = app.test_client()
    with app.app_context():
        tess = db.session.scalar(
            db.select(Therapist.id)
            .join(User, Therapist.user_id == User.id)
            .where(User.email == THERAPISTS[0][0])
        )
    slots = client.get(f"/api/v1/slots?kind=screening&therapist_id={tess}").json["items"]
    for first, last, flags, slot, message in SCREENING_REQUESTS:
        body = {
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@example.org",
            "phone": "+1 312 555 0147",
            "timezone": "America/Chicago",
            "conditions": ["low_back_pain"] if slot != 1 else ["sciatica", "herniated_lumbar_disc"],
            "red_flags": flags,
            "message": message,
            "consent_to_contact": True,
        }
        if slot is not None:
            body["slot"] = {"therapist_id": str(tess), "starts_at": slots[slot]["starts_at"]}
        sent = client.post("/api/v1/screening-requests", json=body)
        with app.app_context():
            _, token = intake.issue_confirmation(uuid.UUID(sent.json["id"]))
            db.session.commit()
        client.post("/api/v1/screening-requests/confirm", json={"token": token})


@contextmanager
def demo_server() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="telehealth-shots-"))
    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}", "CELERY_BROKER_URL": "memory://"},
    )
    with app.app_context():
        db.create_all()
        seed_demo(MORNING)
        db.session.commit()
    add_screening_requests(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()


def shoot(page: Page, out: Path, name: str, *, full: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.wait_for_timeout(200)  # let the last redraw settle
    page.screenshot(path=str(out / f"{name}.png"), full_page=full)
    print(f"saved {out / name}.png")


def tour(page: Page, url: str, out: Path) -> None:
    patient = PATIENTS[0].email
    page.goto(f"{url}/app/signin")
    page.get_by_label("Email").wait_for()
    shoot(page, out, "01-sign-in")
    page.get_by_label("Email").fill(patient)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("article.exercise").first.wait_for()
    shoot(page, out, "02-today")
    first = page.locator("article.exercise").first
    first.get_by_role("button", name="+ Set done").click()
    first.get_by_role("button", name="Done", exact=True).click()
    first.get_by_label("Pain during the exercise").fill("3")
    first.get_by_role("radio", name="Just right").check()
    first.get_by_role("heading", name="How did it go?").scroll_into_view_if_needed()
    shoot(page, out, "03-log-with-pain")
    page.context.set_offline(True)
    first.get_by_role("button", name="Save").click()
    page.get_by_text("1 log waiting to be sent").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, out, "04-offline-waiting")
    page.context.set_offline(False)
    page.get_by_text("1 log waiting to be sent").wait_for(state="detached")
    page.get_by_role("link", name="Progress").click()
    page.get_by_role("heading", name="How your hips turn").wait_for()
    shoot(page, out, "05-progress")
    page.get_by_role("heading", name="How your hips turn").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -70)")
    shoot(page, out, "06-progress-hips-and-questionnaires")
    page.get_by_role("link", name="Fill in the ODI").click()
    page.get_by_role("group", name="1. Pain intensity").wait_for()
    shoot(page, out, "07-odi")
    page.get_by_role("link", name="Visits").click()
    page.get_by_role("heading", name="Upcoming").wait_for()
    shoot(page, out, "08-visits")
    page.get_by_role("link", name="Reminders").click()
    page.get_by_role("heading", name="Notifications on this device").wait_for()
    shoot(page, out, "09-reminders")
    page.get_by_role("link", name="Account").click()
    page.get_by_label("Show the app in").select_option("es")
    page.get_by_role("heading", name="Cuenta").wait_for()
    shoot(page, out, "10-account-spanish")
    page.get_by_role("link", name="Hoy").click()
    page.locator("article.exercise").first.wait_for()
    shoot(page, out, "11-today-spanish")


def clinic_sign_in(page: Page, url: str, email: str, landing: str) -> None:
    page.goto(f"{url}/clinic/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=landing, level=1).wait_for()


def clinic_tour(page: Page, url: str, out: Path) -> None:
    page.goto(f"{url}/clinic/signin")
    page.get_by_label("Email").wait_for()
    shoot(page, out, "clinic-01-sign-in")
    clinic_sign_in(page, url, THERAPISTS[0][0], "Caseload")
    shoot(page, out, "clinic-02-caseload")
    page.get_by_role("link", name="Kenji Sato").click()
    page.get_by_role("heading", name="Kenji Sato", level=1).wait_for()
    shoot(page, out, "clinic-03-patient")
    page.get_by_role("link", name="Home program").click()
    page.get_by_role("heading", name="Active exercises").wait_for()
    first = page.locator("li.assignment").first
    first.get_by_text("Change dose").click()
    shoot(page, out, "clinic-04-program")
    page.get_by_role("link", name="Hips and outcomes").click()
    form = page.locator("form", has=page.get_by_role("button", name="Save the readings"))
    for side, internal, external in (("Left hip", "26", "44"), ("Right hip", "40", "45")):
        group = form.get_by_role("group", name=side)
        group.get_by_label("Internal rotation").fill(internal)
        group.get_by_label("External rotation").fill(external)
    shoot(page, out, "clinic-05-hips-and-outcomes", full=True)
    page.get_by_role("link", name="Reminders and RTM").click()
    page.get_by_role("heading", name="Remote therapeutic monitoring").wait_for()
    shoot(page, out, "clinic-06-reminders-and-rtm", full=True)
    page.get_by_role("link", name="Visits", exact=True).click()
    page.get_by_role("heading", name="Schedule a visit").wait_for()
    form = page.locator("form", has=page.get_by_role("button", name="Schedule"))
    form.get_by_label("Patient").select_option(label="Pat Rivera")
    form.get_by_label("Date").fill("2026-03-13")
    form.get_by_label("Time").fill("10:00")
    form.get_by_label("Time").press("Tab")
    page.locator(".conflicts .notice").wait_for()
    shoot(page, out, "clinic-07-visits-week", full=True)
    page.locator(".week .visit a").first.click()
    page.get_by_role("heading", name="Actions").wait_for()
    shoot(page, out, "clinic-08-visit")
    page.get_by_role("link", name="Screening requests").click()
    page.locator("main tbody tr").first.wait_for()
    shoot(page, out, "clinic-screening-requests")
    page.get_by_role("link", name="Miguel Ortega").click()
    page.get_by_role("heading", name="Accept", exact=True).wait_for()
    shoot(page, out, "clinic-screening-request", full=True)
    page.get_by_role("link", name="Library").click()
    page.get_by_role("heading", name="New exercise").wait_for()
    shoot(page, out, "clinic-09-library")
    page.get_by_role("link", name="Templates").click()
    page.get_by_role("heading", name="New template").wait_for()
    shoot(page, out, "clinic-10-templates")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("heading", name="Pacientes a cargo").or_(
        page.get_by_role("heading", name="Plantillas de programa")
    ).wait_for()
    shoot(page, out, "clinic-11-templates-spanish")
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Clinic sign-in").wait_for()
    clinic_sign_in(page, url, ADMIN[0], "Patients")
    shoot(page, out, "clinic-12-all-patients")
    page.get_by_role("link", name="Therapists").click()
    page.get_by_role("heading", name="Invite a therapist").wait_for()
    shoot(page, out, "clinic-13-therapists")
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Patient").select_option(label="Kenji Sato")
    page.locator("main table tbody tr").first.wait_for()
    shoot(page, out, "clinic-14-audit-trail")


def main() -> int:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=("patient", "clinic"), help="one app's screens only")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with time_machine.travel(MORNING, tick=True), demo_server() as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tours = [("patient", PHONE, tour), ("clinic", LAPTOP, clinic_tour)]
        for name, viewport, walk in tours:
            if args.only and args.only != name:
                continue
            context = browser.new_context(
                viewport=viewport, device_scale_factor=1, locale="en-US", timezone_id="America/New_York"
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.clock.install(time=MORNING)
            page.on(
                "console",
                lambda m: problems.append(m.text) if m.type == "error" and OFFLINE not in m.text else None,
            )
            page.on("pageerror", lambda e: problems.append(str(e)))
            try:
                walk(page, url, args.out)
            finally:
                for problem in problems:
                    print(f"page problem: {problem}", file=sys.stderr)
                if problems:
                    page.screenshot(path=str(args.out / f"failed-{name}.png"))
                context.close()
        browser.close()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
