"""A visitor asks for a free screening with no account and confirms from the email; a therapist
accepts it in the console and the new patient's invitation and visit follow, on the real stack
(PostgreSQL, Redis, a Celery worker, mail over SMTP). A patient books their own follow-up."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from flask_migrate import upgrade
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from telehealth import create_app
from telehealth.accounts.models import Therapist
from telehealth.extensions import db
from telehealth.patients.models import Patient
from telehealth.visits.models import Visit
from tests.browser.clinic_console import LAPTOP
from tests.browser.conftest import LiveServer, _unavailable, watched_context
from tests.browser.patient_app import make_app_patient, phone, serious_violations, sign_in, unexpected
from tests.factories import PASSWORD, Api, make_therapist
from tests.integration.conftest import REDIS_URL, Inbox, SmtpServer, temporary_database

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


@dataclass
class RealStack(LiveServer):
    inbox: Inbox = field(default_factory=Inbox)


@pytest.fixture(scope="module")
def real_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealStack]:
    """The app as deployed: PostgreSQL (migrated), jobs over Redis to a real Celery worker, and mail
    over SMTP to a local aiosmtpd server whose inbox the test reads."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _unavailable(f"Redis unreachable: {exc}")
    import worker.tasks  # noqa: F401  (registers the shared tasks)

    smtp = SmtpServer()
    smtp.start()
    queue = f"test-{uuid.uuid4().hex[:8]}"  # no other test run's worker takes these jobs
    with temporary_database("telehealth_browser") as url:
        migrating = create_app("test", {"SQLALCHEMY_DATABASE_URI": url})
        with migrating.app_context():
            upgrade(revision="heads")
            db.engine.dispose()
        app = create_app(
            "test",
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
                "CELERY_BROKER_URL": REDIS_URL,
                "MAIL_BACKEND": "smtp",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": smtp.port,
            },
        )
        celery_app = app.extensions["celery"]
        celery_app.conf.task_default_queue = queue
        server = make_server("127.0.0.1", 0, app, threaded=True)
        origin = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = origin  # the emailed links lead back to this server
        thread = threading.Thread(target=server.serve_forever, name="real-stack-server", daemon=True)
        thread.start()
        try:
            with start_worker(
                celery_app,
                pool="solo",
                concurrency=1,
                perform_ping_check=False,
                loglevel="WARNING",
                queues=[queue],
            ):
                yield RealStack(app, origin, smtp.inbox)
        finally:
            server.shutdown()
            thread.join(timeout=10)
            smtp.stop()
            with app.app_context():
                db.engine.dispose()


def _link(message: Message, page: str) -> str:
    """The app link to `page` in an email's text part (decoded, so no line is folded inside it)."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            found = re.search(
                rf"(http://\S+/app/{page}\?token=[\w.=-]+)", part.get_payload(decode=True).decode()
            )
            if found:
                return found[1]
    raise AssertionError(f"no /app/{page} link in {message['Subject']!r}")


def _one(inbox: Inbox, to: str, subject: str) -> Message:
    [message] = inbox.wait_for(lambda m: to in (m["To"] or "") and m["Subject"] == subject, timeout=30)
    return message


@pytest.mark.integration
def test_a_visitor_requests_a_screening_confirms_from_the_email_and_is_accepted_in_the_console(
    browser, real_stack: RealStack
):
    stack = real_stack
    with stack.app.app_context():
        therapist = make_therapist()
        therapist_email = therapist.user.email
    _open_hours(stack, therapist)
    email = "vic.visitor@screening-test.org"
    with phone(browser, stack) as watch:
        page = watch.page
        page.goto(f"{stack.url}/app/screening")
        page.get_by_role("heading", name="Free screening", level=1).wait_for()
        assert serious_violations(page) == []
        page.get_by_label("First name").fill("Vic")
        page.get_by_label("Last name").fill("Visitor")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Date of birth (optional)").fill("1985-04-12")
        time = page.get_by_label("Time")
        time.select_option(index=1)
        page.get_by_label("Pain that wakes you at night").check()
        page.get_by_label("The clinic may contact me about this request.").check()
        page.get_by_role("button", name="Send my request").click()
        page.get_by_text(f"Almost done: we sent a link to {email}").wait_for()

        confirmation = _one(stack.inbox, email, "Confirm your free screening request")
        page.goto(_link(confirmation, "screening/confirm"))
        page.get_by_role("heading", name="Confirm your screening request").wait_for()
        page.get_by_role("button", name="Confirm my request").click()
        page.get_by_text("Thank you: your request is confirmed.").wait_for()
        assert unexpected(watch) == []

    with watched_context(browser, stack, **LAPTOP) as watch:
        page = watch.page
        page.goto(f"{stack.url}/clinic/")
        page.get_by_label("Email").fill(therapist_email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Caseload", level=1).wait_for()
        page.get_by_role("link", name="Screening requests").click()
        row = page.locator("main tbody tr", has=page.get_by_role("link", name="Vic Visitor"))
        expect(row).to_contain_text("Urgent")
        expect(row).to_contain_text("Night pain")
        row.get_by_role("link", name="Vic Visitor").click()
        held = page.get_by_label("Time (in America/New_York)")
        expect(held.locator("option:checked")).to_have_text(re.compile("^The slot asked for: "))
        page.get_by_role("button", name="Accept and book the screening").click()
        page.locator("main").get_by_text("Accepted: Vic Visitor is now a patient").wait_for()
        assert unexpected(watch) == []

    _one(stack.inbox, email, "Your free screening is booked")  # the visit's time, with its calendar file
    invitation = [m for m in stack.inbox.to(email) if "/app/invitation" in m.as_string()]
    assert len(invitation) == 1, [m["Subject"] for m in stack.inbox.to(email)]
    with phone(browser, stack) as watch:
        page = watch.page
        page.goto(_link(invitation[0], "invitation"))
        page.get_by_label("New password", exact=True).fill("vics-own-password")
        page.get_by_label("Type the new password again").fill("vics-own-password")
        page.get_by_role("button", name="Set password and start").click()
        page.get_by_role("heading", name="Today", level=1).wait_for()
        page.goto(f"{stack.url}/app/visits")
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
