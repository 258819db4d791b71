"""The links in our emails land on the app's pages, which finish the job: password reset, email-change
confirmation, and unsubscribe (which says what happened)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from playwright.sync_api import expect

from telehealth import jobs
from telehealth.extensions import db
from telehealth.reminders.delivery import deliver
from telehealth.reminders.models import Kind, Notification, ReminderSettings, Status
from tests.browser.conftest import LiveServer
from tests.browser.patient_app import AppPatient, make_app_patient, phone, sign_in, unexpected
from tests.factories import Api
from tests.support.jobs import run_queued_jobs


def link_in_mail(live: LiveServer, task: str, to: str, page: str) -> str:
    with live.app.app_context():
        run_queued_jobs(task)
        bodies = [m.body for m in live.app.extensions["mailman"].outbox if m.to == [to]]
    links = [re.search(rf"(http://\S+/app/{page}\?token=\S+)", body) for body in bodies]
    return [found[1] for found in links if found][-1]


def test_a_forgotten_password_is_reset_from_the_emailed_link(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    with phone(browser, live_server) as watch:
        page = watch.page
        page.goto(f"{live_server.url}/app/signin")
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_label("Email").fill(patient.email)
        page.get_by_role("button", name="Send the link").click()
        page.get_by_text("If there is an account for that email, a link is on its way.").wait_for()

        page.goto(link_in_mail(live_server, jobs.SEND_PASSWORD_RESET, patient.email, "reset-password"))
        page.get_by_role("heading", name="Choose a new password").wait_for()
        page.get_by_label("New password", exact=True).fill("a-brand-new-password")
        page.get_by_label("Type the new password again").fill("a-brand-new-password")
        page.get_by_role("button", name="Save the new password").click()
        page.get_by_text("Your password is changed").wait_for()
        page.get_by_role("link", name="Sign in").click()
        sign_in(watch, patient, password="a-brand-new-password")
        assert unexpected(watch) == []


def test_a_new_sign_in_email_is_confirmed_from_the_emailed_link(browser, live_server: LiveServer):
    patient = make_app_patient(live_server)
    new_email = f"moved.{uuid.uuid4().hex[:8]}@patients-test.org"
    with live_server.app.app_context():
        from sqlalchemy import select

        from telehealth.accounts.models import User

        therapist = db.session.scalar(select(User).where(User.email == patient.therapist_email))
        Api(live_server.app).patch(f"/api/v1/patients/{patient.id}", therapist, json={"email": new_email})
    with phone(browser, live_server) as watch:
        page = watch.page
        sign_in(watch, patient)
        page.goto(link_in_mail(live_server, jobs.SEND_EMAIL_CHANGE, new_email, "confirm-email"))
        page.get_by_role("button", name="Confirm my new email").click()
        page.get_by_text(f"You now sign in with {new_email}.").wait_for()
        page.get_by_role("link", name="Sign in").click()
        sign_in(watch, AppPatient(patient.id, patient.user_id, new_email, "Pat", patient.therapist_email))
        page.get_by_role("link", name="Account").click()
        expect(page.get_by_text(f"You sign in with {new_email}.")).to_be_visible()
        assert unexpected(watch) == []


def test_the_unsubscribe_link_in_a_reminder_turns_the_channel_off_and_says_so(
    browser, live_server: LiveServer
):
    patient = make_app_patient(live_server)
    app = live_server.app
    with app.app_context():
        settings = db.session.get(ReminderSettings, uuid.UUID(patient.id))
        settings.quiet_hours_start = settings.quiet_hours_end = None  # sent whatever the hour
        now = datetime.now(UTC)
        note = Notification(
            id=uuid.uuid4(),
            patient_id=uuid.UUID(patient.id),
            kind=Kind.INACTIVITY,
            channel="email",
            occurrence=f"links-test-{uuid.uuid4()}",
            scheduled_for=now,
            next_attempt_at=now,
            status=Status.QUEUED,
        )
        db.session.add(note)
        db.session.commit()
        deliver([note.id], now)
        [reminder] = [m for m in app.extensions["mailman"].outbox if m.to == [patient.email]]
    link = re.search(r"To stop these emails: (\S+)", reminder.body)[1]
    assert "/app/unsubscribe?token=" in link
    with phone(browser, live_server) as watch:
        page = watch.page
        page.goto(link)
        page.get_by_text("Done. You will not get reminders by email any more.").wait_for()
        assert "token" not in page.url
        with app.app_context():
            assert "email" not in db.session.get(ReminderSettings, uuid.UUID(patient.id)).channels
        page.goto(link.replace("token=", "token=x"))
        page.get_by_text("This link does not work").wait_for()
        assert unexpected(watch, allowed=((400, "/notifications/unsubscribe"),)) == []
