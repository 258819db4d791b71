"""A visitor asks for a free screening with no account and confirms from the email; a therapist
accepts and the new patient's invitation and visit follow. A patient books their own follow-up."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from telehealth import jobs
from telehealth.accounts.models import Therapist
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.visits.models import Visit
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import make_app_patient, phone, serious_violations, sign_in, unexpected
from tests.browser.test_app_links import link_in_mail
from tests.factories import Api, make_therapist
from tests.support.jobs import run_queued_jobs

EVERY_DAY = [
    {"day": day, "start": "00:00", "end": "23:30", "kinds": ["screening", "follow_up"]}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
]


def _open_hours(live: LiveServer, therapist) -> None:
    with live.app.app_context():
        answer = Api(live.app).put(
            f"/api/v1/therapists/{therapist.id}/availability",
            therapist.user,
            json={"timezone": "America/New_York", "weekly": EVERY_DAY},
        )
        assert answer.status_code == 200, answer.json


def test_a_visitor_requests_a_screening_confirms_from_the_email_and_is_accepted(browser, live_server):
    with live_server.app.app_context():
        therapist = make_therapist()
        therapist_user = therapist.user
    _open_hours(live_server, therapist)
    email = "vic.visitor@screening-test.org"
    with phone(browser, live_server) as watch:
        page = watch.page
        page.goto(f"{live_server.url}/app/screening")
        page.get_by_role("heading", name="Free screening", level=1).wait_for()
        assert serious_violations(page) == []
        page.get_by_label("First name").fill("Vic")
        page.get_by_label("Last name").fill("Visitor")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Date of birth (optional)").fill("1985-04-12")
        time = page.get_by_label("Time")
        chosen = time.locator("option").nth(1)
        label = chosen.inner_text()
        time.select_option(index=1)
        page.get_by_label("Pain that wakes you at night").check()
        page.get_by_label("The clinic may contact me about this request.").check()
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(f"Almost done: we sent a link to {email}").wait_for()

        page.goto(link_in_mail(live_server, jobs.SEND_SCREENING_CONFIRMATION, email, "screening/confirm"))
        page.get_by_role("heading", name="Confirm your screening request").wait_for()
        page.get_by_role("button", name="Confirm my request").click()
        page.get_by_text("Thank you: your request is confirmed.").wait_for()
        assert unexpected(watch) == []

    with live_server.app.app_context():
        api = Api(live_server.app)
        [item] = api.get("/api/v1/screening-requests?status=requested", therapist_user).json["items"]
        assert item["urgent"] is True and item["slot"]["therapist_name"] in label
        accepted = api.post(f"/api/v1/screening-requests/{item['id']}/accept", therapist_user, json={})
        assert accepted.status_code == 201, accepted.json
    invitation = link_in_mail(live_server, jobs.SEND_INVITATION, email, "invitation")
    with live_server.app.app_context():
        run_queued_jobs(jobs.SEND_SCREENING_BOOKED)
        booked = [
            m
            for m in live_server.app.extensions["mailman"].outbox
            if m.subject == "Your free screening is booked"
        ]
        assert [m.to for m in booked] == [[email]]

    with phone(browser, live_server) as watch:
        page = watch.page
        page.goto(invitation)
        page.get_by_label("New password", exact=True).fill("vics-own-password")
        page.get_by_label("Type the new password again").fill("vics-own-password")
        page.get_by_role("button", name="Set password and start").click()
        page.get_by_role("heading", name="Today", level=1).wait_for()
        page.goto(f"{live_server.url}/app/visits")
        expect(page.get_by_text("Free screening · 15 minutes")).to_be_visible()
        assert unexpected(watch) == []


def test_a_patient_books_a_follow_up_from_the_visits_page(browser, live_server):
    patient = make_app_patient(live_server)
    with live_server.app.app_context():
        member = db.session.get(Patient, uuid.UUID(patient.id)).care_team[0]
        _open_hours(live_server, db.session.get(Therapist, member.therapist_id))
    with phone(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, patient)
        page.goto(f"{live_server.url}/app/visits")
        page.get_by_role("button", name="Book a follow-up").click()
        slot = page.get_by_label("Open time")
        slot.wait_for()
        assert serious_violations(page) == []
        slot.select_option(index=2)
        page.get_by_role("button", name="Book this time").click()
        page.get_by_text("Booked: your follow-up is on").wait_for()
        expect(page.get_by_text("Follow-up · 30 minutes")).to_be_visible()
        assert unexpected(watch) == []
    with live_server.app.app_context():
        booked = db.session.scalars(select(Visit).where(Visit.patient_id == uuid.UUID(patient.id))).all()
        assert [(v.kind, v.duration_minutes, v.status) for v in booked] == [("follow_up", 30, "scheduled")]
