"""A therapist's day and an admin's errand in the clinic console, on the demo clinic at laptop size:
every step through the page, checked against what the backend then holds."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from telehealth.accounts.models import User
from telehealth.demo import DEMO_PASSWORD
from telehealth.extensions import db
from telehealth.measures.models import Measurement
from telehealth.programs.models import Assignment
from telehealth.visits.models import Visit
from tests.browser.clinic_console import (
    ADMIN_EMAIL,
    FLAGGED,
    THERAPIST,
    ZONE,
    laptop,
    seed,
    sign_in,
    soon_local,
)
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import unexpected
from tests.factories import PASSWORD, Api, make_patient, make_therapist


def patient_id(live: LiveServer, page) -> uuid.UUID:
    return uuid.UUID(page.url.split("/clinic/patients/")[1].split("/")[0].split("?")[0])


def test_a_therapists_day_from_caseload_to_the_report(browser, live_server: LiveServer):
    seed(live_server)
    with laptop(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, THERAPIST, landing="Caseload")

        # The caseload puts flagged patients first; one click opens one.
        rows = page.locator("main table tbody tr")
        expect(rows.first.locator(".badge.flag").first).to_be_visible()
        kenji = page.locator("main table tbody tr", has_text=FLAGGED)
        expect(kenji.locator(".badge.flag", has_text="Inactive")).to_be_visible()
        page.get_by_label("Flag").select_option("inactive")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(FLAGGED)
        page.get_by_role("link", name=FLAGGED).click()
        page.get_by_role("heading", name=FLAGGED, level=1).wait_for()
        pid = patient_id(live_server, page)

        # Change a dose: the new one is in force from today, the earlier one stays in the history.
        page.get_by_role("link", name="Home program").click()
        heading = page.get_by_role("heading", name="Clamshell", exact=True)
        clamshell = page.locator("li.assignment", has=heading)
        clamshell.get_by_text("Change dose").click()
        clamshell.get_by_label("Sets").fill("3")
        clamshell.get_by_label("Reps").fill("12")
        clamshell.get_by_role("button", name="Save the new dose").click()
        expect(clamshell.get_by_text("Dose history (2 versions)")).to_be_visible()
        expect(clamshell.locator(".dose")).to_contain_text("3 \u00d7 12 reps")
        expect(clamshell.locator("ol.history li")).to_have_count(2)
        with live_server.app.app_context():
            assignment = db.session.scalars(
                select(Assignment).where(Assignment.patient_id == pid).where(Assignment.status == "active")
            )
            changed = [a for a in assignment if a.sets == 3 and a.reps == 12]
            assert len(changed) == 1

        # Hip rotation: totals and the asymmetry flag appear as the readings are typed.
        page.get_by_role("link", name="Hips and outcomes").click()
        entry = page.locator("form", has=page.get_by_role("button", name="Save the readings"))
        left = entry.get_by_role("group", name="Left hip")
        right = entry.get_by_role("group", name="Right hip")
        left.get_by_label("Internal rotation").fill("22")
        left.get_by_label("External rotation").fill("40")
        expect(entry.locator("#rom-total-left")).to_have_text("62°")
        expect(entry.locator(".asymmetry")).to_contain_text("Type both rotations")
        right.get_by_label("Internal rotation").fill("40")
        right.get_by_label("External rotation").fill("45")
        expect(entry.locator("#rom-total-right")).to_have_text("85°")
        expect(entry.locator(".asymmetry")).to_have_text("Asymmetry 23°: flagged (threshold 10°).")
        entry.get_by_label("Position").select_option("prone")
        entry.get_by_role("button", name="Save the readings").click()
        latest = page.locator("section", has=page.get_by_role("heading", name="Latest clinician readings"))
        expect(latest.locator("tbody tr").first).to_contain_text("62°")
        expect(latest).to_contain_text("Prone")
        with live_server.app.app_context():
            prone = db.session.scalars(
                select(Measurement).where(Measurement.patient_id == pid, Measurement.position == "prone")
            ).all()
            assert sorted(m.degrees for m in prone) == [22, 40, 40, 45]
        outcomes = page.locator("section", has_text="Outcome history")
        expect(outcomes.locator(".badge.meaningful").first).to_be_visible()

        # A visit a few minutes from now; the same time for another patient is shown as a conflict
        # before saving, and refused (409) with the reason when saved anyway.
        date, time = soon_local()
        page.get_by_role("link", name="Visits", exact=True).click()
        page.get_by_role("heading", name="Schedule a visit").wait_for()
        form = page.locator("form", has=page.get_by_role("button", name="Schedule"))
        form.get_by_label("Patient").select_option(label=FLAGGED)
        form.get_by_label("Date").fill(date)
        form.get_by_label("Time").fill(time)
        form.get_by_label("Minutes").fill("30")
        form.get_by_label("Minutes").press("Tab")
        form.get_by_role("button", name="Schedule").click()
        page.get_by_role("heading", name=f"Visit with {FLAGGED}").wait_for()
        visit_url = page.url

        page.get_by_role("link", name="Visits", exact=True).first.click()
        page.get_by_role("heading", name="Schedule a visit").wait_for()
        form.get_by_label("Patient").select_option(label="Pat Rivera")
        form.get_by_label("Date").fill(date)
        form.get_by_label("Time").fill(time)
        form.get_by_label("Time").press("Tab")
        expect(form.locator(".conflicts")).to_contain_text("This time overlaps 1 visit")
        form.get_by_role("button", name="Schedule").click()
        expect(form.get_by_role("alert")).to_contain_text("Not scheduled: the time overlaps another visit")
        with live_server.app.app_context():
            booked = db.session.get(Visit, uuid.UUID(visit_url.rsplit("/", 1)[1]))
            at_that_time = db.session.scalars(select(Visit).where(Visit.starts_at == booked.starts_at)).all()
            assert [v.patient_id for v in at_that_time] == [pid]

        # Start, join and complete it with notes.
        page.goto(visit_url)
        page.get_by_role("button", name="Start the visit").click()
        expect(page.locator(".badge.status-in_progress")).to_have_text("In progress")
        page.get_by_role("button", name="Join the video room").click()
        room = page.get_by_role("link", name="Open the video room")
        expect(room).to_be_visible()
        assert room.get_attribute("href").startswith("https://")
        page.get_by_label("Subjective").fill("Back pain eased this week.")
        page.get_by_label("Objective").fill("Left hip IR 22 prone.")
        page.get_by_label("Assessment").fill("Hip mobility improving.")
        page.get_by_label("Plan").fill("Keep the clamshells at 3 x 12.")
        page.get_by_role("button", name="Complete the visit").click()
        expect(page.locator(".badge.status-completed")).to_have_text("Completed")
        expect(page.get_by_text("Keep the clamshells at 3 x 12.")).to_be_visible()
        with live_server.app.app_context():
            visit = db.session.get(Visit, uuid.UUID(visit_url.rsplit("/", 1)[1]))
            assert visit.status == "completed" and visit.notes["plan"] == "Keep the clamshells at 3 x 12."

        # The progress report, as a PDF download.
        page.get_by_role("link", name=FLAGGED).click()
        with page.expect_download() as download:
            page.get_by_role("link", name="Progress report (PDF)").click()
        with open(download.value.path(), "rb") as pdf:
            assert pdf.read(5) == b"%PDF-"

        assert unexpected(watch, allowed=((409, "/api/v1/sessions"),)) == []


def test_an_admin_invites_a_therapist_and_reads_one_patients_audit_trail(browser, live_server: LiveServer):
    seed(live_server)
    # Tess reads Kenji's record from this machine: the audit keeps who, what, when and from where.
    client = live_server.app.test_client()
    signed = client.post("/api/v1/auth/tokens", json={"email": THERAPIST, "password": DEMO_PASSWORD})
    bearer = {"Authorization": f"Bearer {signed.json['token']}"}
    found = client.get("/api/v1/patients?q=Sato", headers=bearer).json["items"][0]
    assert client.get(f"/api/v1/patients/{found['id']}", headers=bearer).status_code == 200

    email = f"nora.new.{uuid.uuid4().hex[:6]}@demo-clinic.org"
    with laptop(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, ADMIN_EMAIL, landing="Patients")
        page.get_by_role("link", name="Therapists").click()
        page.get_by_label("First name").fill("Nora")
        page.get_by_label("Last name").fill("New")
        page.get_by_label("Email").fill(email)
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_role("status").filter(has_text=f"Invitation sent to {email}")).to_be_visible()
        expect(page.locator("main table tbody tr", has_text=email)).to_contain_text("Nora New")
        with live_server.app.app_context():
            invited = db.session.scalar(select(User).where(User.email == email))
            assert invited is not None and invited.role == "therapist" and invited.password_hash is None

        page.get_by_role("link", name="Audit trail").click()
        page.get_by_label("Patient").select_option(label=FLAGGED)
        expect(page).to_have_url(f"{live_server.url}/clinic/audit?patient_id={found['id']}")
        row = page.locator("main table tbody tr", has_text="Tess Thompson (therapist)").first
        expect(row).to_contain_text(FLAGGED)
        expect(row).to_contain_text("127.0.0.1")
        rows = page.locator("main table tbody tr")
        for text in rows.all_inner_texts():
            assert FLAGGED in text
        assert unexpected(watch) == []


def _visit_in_three_days(live: LiveServer, therapist) -> datetime:
    """A follow-up three days ahead at 17:00 UTC (call inside an app context)."""
    starts_at = (datetime.now(UTC) + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    patient = make_patient(therapist, first_name="Wren")
    booked = Api(live.app).post(
        "/api/v1/sessions",
        therapist.user,
        json={
            "patient_id": str(patient.id),
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 30,
            "kind": "follow_up",
        },
    )
    assert booked.status_code == 201, booked.json
    return starts_at


def _sign_in_as(watch, email: str) -> None:
    page = watch.page
    page.goto(f"{watch.origin}/clinic/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Caseload", level=1).wait_for()


def test_the_visits_week_is_in_the_therapists_own_zone_or_says_it_is_the_computers(browser, live_server):
    west = ZoneInfo("America/Los_Angeles")
    with live_server.app.app_context():
        in_la, without_hours = make_therapist(), make_therapist()
        emails = in_la.user.email, without_hours.user.email
        hours = Api(live_server.app).put(
            f"/api/v1/therapists/{in_la.id}/availability",
            in_la.user,
            json={
                "timezone": "America/Los_Angeles",
                "weekly": [{"day": "mon", "start": "09:00", "end": "17:00", "kinds": ["follow_up"]}],
            },
        )
        assert hours.status_code == 200, hours.json
        starts_at = _visit_in_three_days(live_server, in_la)
        _visit_in_three_days(live_server, without_hours)
    local = starts_at.astimezone(west)
    with laptop(browser, live_server) as watch:  # the laptop itself is on New York time
        page = watch.page
        _sign_in_as(watch, emails[0])
        page.goto(f"{live_server.url}/clinic/visits?week={local.date().isoformat()}")
        expect(page.locator(".lead")).to_contain_text("times in America/Los_Angeles")
        expect(page.locator(".lead")).not_to_contain_text("this computer")
        hour = re.compile(rf"^{local.strftime('%-I:%M')}\s?{local.strftime('%p')}\u2013")
        expect(page.locator(".week .visit .time")).to_have_text(hour)
        page.locator(".week .visit a").click()
        expect(page.locator(".facts")).to_contain_text("(America/Los_Angeles)")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Clinic sign-in").wait_for()

        _sign_in_as(watch, emails[1])
        page.goto(f"{live_server.url}/clinic/visits?week={local.date().isoformat()}")
        expect(page.locator(".lead")).to_contain_text(
            "times in America/New_York: this computer's time zone, since your working hours are not set yet"
        )
        new_york = starts_at.astimezone(ZoneInfo(ZONE))
        expect(page.locator(".week .visit .time")).to_have_text(
            re.compile(rf"^{new_york.strftime('%-I:%M')}\s?{new_york.strftime('%p')}\u2013")
        )
        assert unexpected(watch) == []
