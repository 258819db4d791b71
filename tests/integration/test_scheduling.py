"""Self-booking and free screenings on real services: PostgreSQL (and a SQLite file for the race),
Redis, a Celery worker and an SMTP server."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, inspect, select

from telehealth import jobs
from telehealth.extensions import db
from telehealth.scheduling.models import ScreeningRequest
from telehealth.visits.models import ACTIVE_STATUSES, Visit
from tests.factories import PASSWORD, make_admin, make_patient, make_therapist
from tests.integration.test_visits import RACERS, _race, _token

ALL_DAY = [
    {"day": day, "start": "00:00", "end": "23:30", "kinds": ["screening", "follow_up"]}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
]


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _open_hours(app, therapist) -> str:
    token = _token(app, therapist.user)
    response = app.test_client().put(
        f"/api/v1/therapists/{therapist.id}/availability",
        headers=_auth(token),
        json={"timezone": "UTC", "weekly": ALL_DAY},
    )
    assert response.status_code == 200, response.json
    return token


def test_migrations_build_the_scheduling_tables(pg_app):
    tables = set(inspect(db.engine).get_table_names())
    assert {"therapist_availability", "screening_requests"} <= tables
    checks = {c["name"] for c in inspect(db.engine).get_check_constraints("screening_requests")}
    assert "ck_screening_requests_status" in checks  # ck_<table>_<column>, as for every enum column


def test_twenty_patients_racing_for_one_slot_get_exactly_one_booking(racing_app):
    therapist = make_therapist()
    _open_hours(racing_app, therapist)
    patients = [make_patient(therapist) for _ in range(RACERS)]
    tokens = [_token(racing_app, patient.user) for patient in patients]
    listed = racing_app.test_client().get("/api/v1/slots?kind=follow_up", headers=_auth(tokens[0])).json
    slot = listed["items"][3]["starts_at"]
    body = {"starts_at": slot, "kind": "follow_up"}

    def book(client, headers):
        return client.post("/api/v1/sessions", headers=headers, json=body)

    assert _race(racing_app, [(token, book) for token in tokens]) == Counter({201: 1, 409: RACERS - 1})
    db.session.expire_all()
    booked = db.session.scalar(
        select(func.count()).select_from(Visit).where(Visit.status.in_(ACTIVE_STATUSES))
    )
    assert booked == 1


def test_twenty_visitors_racing_for_one_screening_slot_get_exactly_one_hold(racing_app):
    therapist = make_therapist()
    _open_hours(racing_app, therapist)
    slot = racing_app.test_client().get("/api/v1/slots").json["items"][0]

    def request(n: int):
        body = {
            "first_name": "Rae",
            "last_name": f"Racer{n}",
            "email": f"racer{n}@screening-test.org",
            "timezone": "UTC",
            "consent_to_contact": True,
            "slot": {"therapist_id": slot["therapist_id"], "starts_at": slot["starts_at"]},
        }
        return lambda client, headers: client.post("/api/v1/screening-requests", json=body)

    assert _race(racing_app, [("-", request(n)) for n in range(RACERS)]) == Counter({202: 1, 409: RACERS - 1})


def _link(message, pattern: str) -> str:
    text = (
        message.get_payload(decode=True).decode()
        if not message.is_multipart()
        else message.get_payload(0).get_payload(decode=True).decode()
    )
    match = re.search(pattern, text)
    assert match, text
    return match.group(1)


def test_a_visitor_confirms_from_the_email_and_an_accepted_request_brings_invitation_and_visit(
    pg_app, worker, smtp
):
    inbox, _ = smtp
    therapist = make_therapist()
    token = _open_hours(pg_app, therapist)
    client = pg_app.test_client()
    slot = client.get("/api/v1/slots").json["items"][0]
    created = client.post(
        "/api/v1/screening-requests",
        json={
            "first_name": "Vera",
            "last_name": "Visitor",
            "email": "vera.visitor@screening-test.org",
            "timezone": "Europe/Berlin",
            "date_of_birth": "1982-05-05",
            "red_flags": ["night_pain"],
            "consent_to_contact": True,
            "slot": {"therapist_id": slot["therapist_id"], "starts_at": slot["starts_at"]},
        },
    )
    assert created.status_code == 202, created.json
    [confirmation] = inbox.to("vera.visitor@screening-test.org")
    assert "physician" in confirmation.get_payload(decode=True).decode()
    confirm_token = _link(confirmation, r"https://app\.test/app/screening/confirm\?token=([A-Za-z0-9_\-]+)")
    confirmed = client.post("/api/v1/screening-requests/confirm", json={"token": confirm_token})
    assert confirmed.json == {"id": created.json["id"], "status": "requested"}

    [item] = client.get("/api/v1/screening-requests?status=requested", headers=_auth(token)).json["items"]
    assert item["urgent"] is True
    accepted = client.post(f"/api/v1/screening-requests/{item['id']}/accept", headers=_auth(token), json={})
    assert accepted.status_code == 201, accepted.json

    mails = inbox.wait_for(
        lambda m: "vera.visitor" in (m["To"] or "") and m["Subject"] != confirmation["Subject"]
    )
    deadline = time.monotonic() + 20
    while len(mails) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        mails = inbox.wait_for(
            lambda m: "vera.visitor" in (m["To"] or "") and m["Subject"] != confirmation["Subject"]
        )
    by_subject = {m["Subject"]: m for m in mails}
    invitation = by_subject["You're invited to your physical therapy app"]
    booked = by_subject["Your free screening is booked"]
    calendar = [part for part in booked.walk() if part.get_content_type() == "text/calendar"]
    assert calendar and f"visit-{accepted.json['session']['id']}".encode() in calendar[0].get_payload(
        decode=True
    )
    invite_token = _link(invitation, r"https://app\.test/app/invitation\?token=([A-Za-z0-9_\-]+)")
    assert (
        client.post(
            "/api/v1/auth/invitations/accept", json={"token": invite_token, "password": "veras-own-password"}
        ).status_code
        == 200
    )
    own = client.post(
        "/api/v1/auth/tokens",
        json={"email": "vera.visitor@screening-test.org", "password": "veras-own-password"},
    ).json["token"]
    visits = client.get("/api/v1/sessions", headers=_auth(own)).json["items"]
    assert [(v["kind"], v["starts_at"]) for v in visits] == [("screening", slot["starts_at"])]


def test_the_beat_task_deletes_unconfirmed_and_declined_requests_on_schedule(pg_app, worker, smtp):
    assert jobs.PURGE_SCREENING_REQUESTS in {
        e["task"] for e in pg_app.extensions["celery"].conf.beat_schedule.values()
    }
    admin = make_admin()
    client = pg_app.test_client()
    token = client.post("/api/v1/auth/tokens", json={"email": admin.email, "password": PASSWORD}).json[
        "token"
    ]
    inbox, _ = smtp
    start = datetime.now(UTC)

    def ask(email: str) -> str:
        response = client.post(
            "/api/v1/screening-requests",
            json={
                "first_name": "Ida",
                "last_name": "Idle",
                "email": email,
                "timezone": "UTC",
                "consent_to_contact": True,
            },
        )
        assert response.status_code == 202
        return response.json["id"]

    silent = ask("silent@screening-test.org")
    declined = ask("declined@screening-test.org")
    kept = ask("kept@screening-test.org")
    for address in ("declined@screening-test.org", "kept@screening-test.org"):
        [message] = inbox.to(address)
        link = _link(message, r"token=([A-Za-z0-9_\-]+)")
        assert client.post("/api/v1/screening-requests/confirm", json={"token": link}).status_code == 200
    assert (
        client.post(
            f"/api/v1/screening-requests/{declined}/decline", headers=_auth(token), json={}
        ).status_code
        == 200
    )

    def rows() -> dict[str, str]:
        db.session.rollback()
        return {str(r.id): r.status for r in db.session.scalars(select(ScreeningRequest))}

    def after_beat(at: datetime, expected: dict[str, str]) -> dict[str, str]:
        """Run the beat's task on the real worker with the clock at `at`; wait for its effect."""
        with time_machine.travel(at, tick=True):
            pg_app.extensions["celery"].send_task(jobs.PURGE_SCREENING_REQUESTS)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and rows() != expected:
                time.sleep(0.2)
        return rows()

    # A day on, the unused link has expired; nothing is deleted yet.
    expected = {silent: "expired", declined: "declined", kept: "requested"}
    assert after_beat(start + timedelta(days=6), expected) == expected
    del expected[silent]
    assert after_beat(start + timedelta(days=7, hours=1), expected) == expected
    del expected[declined]
    assert after_beat(start + timedelta(days=31), expected) == expected
